"""Settings shared by every environment. Values come from DJANGO_* / REDPROP_* env vars."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "redprop.core",
    "redprop.accounts",
    "redprop.territory",
    "redprop.people",
    "redprop.orgs",
    "redprop.notifications",
    "redprop.calendars",
    "redprop.requests",
    "redprop.duty",
    "redprop.web",
    "redprop.dashboards",
    "redprop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "redprop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "redprop.web.nav.nav_items",
            ],
        },
    },
]


def database(url: str) -> dict:
    """A database setting from a URL, with the options RedProp runs with on each engine."""
    db = env.db_url_config(url)
    db["ATOMIC_REQUESTS"] = False
    options = db.setdefault("OPTIONS", {})
    if db["ENGINE"].endswith("sqlite3"):
        # WAL lets the web server and the worker read while the other writes.
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
    elif db["ENGINE"].endswith("postgresql") and env.bool(
        "DJANGO_DB_SERVER_SIDE_BINDING", default=True
    ):
        # Parameters bound by the server, and psycopg prepares a statement once it has
        # run 5 times on a connection, so PostgreSQL stops re-planning it (a join
        # planned in 0.7-1.4 ms runs in 0.1 ms: docs/adr/0006-lean-intake.md). Django
        # leaves both off for the sake of poolers: behind pgbouncer in transaction
        # mode set DJANGO_DB_SERVER_SIDE_BINDING=false.
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)
    return db


DATABASES = {
    "default": database(
        env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'redprop.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "redprop.accounts.backends.UsernameOrMobileBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "redprop" / "static",
    ("vendor", BASE_DIR / "var" / "vendor"),  # bin/_assets.sh copies npm packages here
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("REDPROP_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The CJK font the PDF reports embed (bin/_assets.sh copies it there; docs/adr/0004).
REDPROP_PDF_FONT_DIR = env.path("REDPROP_PDF_FONT_DIR", default=BASE_DIR / "var" / "fonts")

# --- Personal information (PIPL). See docs/adr/0002-pii-encryption.md -------------
# Comma-separated Fernet keys; the first encrypts, all decrypt (MultiFernet rotation).
REDPROP_PII_KEYS = env.list(
    "REDPROP_PII_KEYS",
    default=["ZGV2LW9ubHktcGlpLWtleS1jaGFuZ2UtbWUtMzJiISE="],
)
# Key of the HMAC blind index used for exact-match lookups of encrypted values.
REDPROP_BLIND_INDEX_KEY = env("REDPROP_BLIND_INDEX_KEY", default="dev-only-blind-index-key")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# --- Notifications: outbox, SMS, webhooks. See docs/subsystems/notifications.md ------
# A failed delivery is retried after base·2^(n-1) seconds (at most 6 h); after the
# last try the message stays in the outbox as a dead letter.
REDPROP_OUTBOX_RETRY_BASE_SECONDS = env.int("REDPROP_OUTBOX_RETRY_BASE_SECONDS", default=30)
REDPROP_OUTBOX_MAX_ATTEMPTS = env.int("REDPROP_OUTBOX_MAX_ATTEMPTS", default=8)
REDPROP_WEBHOOK_TIMEOUT_SECONDS = env.int("REDPROP_WEBHOOK_TIMEOUT_SECONDS", default=5)
# The class that sends SMS; the console one prints numbers in clear (demo only).
REDPROP_SMS_BACKEND = env(
    "REDPROP_SMS_BACKEND", default="redprop.notifications.sms.ConsoleSmsBackend"
)
# Event kinds that also go out by SMS (the others: inbox and email only).
REDPROP_SMS_KINDS = env.list(
    "REDPROP_SMS_KINDS",
    default=["request.dispatched", "request.deadline_warning", "request.escalated"],
)
# Makes the relative links of notifications absolute in emails.
REDPROP_SITE_URL = env("REDPROP_SITE_URL", default="http://localhost:8000")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="红色物业平台 <noreply@localhost>")
# An SMTP server that never answers must not hold a delivery worker forever.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)
