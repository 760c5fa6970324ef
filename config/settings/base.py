"""Settings shared by every environment. Values come from DJANGO_* / REDPROP_* env vars."""

import datetime as dt
from pathlib import Path
from typing import Any

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
    "ninja",  # its own Swagger UI files in the static files: /api/v1/docs loads nothing from outside
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "redprop.core.tasks_app.TasksDatabaseConfig",  # django_tasks_db, named in Chinese
    "pgtrigger",
    "redprop.core",
    "redprop.accounts",
    "redprop.territory",
    "redprop.people",
    "redprop.orgs",
    "redprop.notifications",
    "redprop.calendars",
    "redprop.requests",
    "redprop.duty",
    "redprop.votes",
    "redprop.meetings",
    "redprop.open311",
    "redprop.contact",
    "redprop.privacy",
    "redprop.ratings",
    "redprop.mediation",
    "redprop.notices",
    "redprop.campaigns",
    "redprop.fees",
    "redprop.party",
    "redprop.volunteers",
    "redprop.service_lists",
    "redprop.web",
    "redprop.dashboards",
    "redprop.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "redprop.core.middleware.BodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, absolute lifetime, two-step verification (accounts/sessions.py).
    "redprop.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy on every answer (CONTENT_SECURITY_POLICY below; ADR 0018).
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so its process_exception sees a view's database error first: 503, not 500.
    "redprop.core.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
    elif db["ENGINE"].endswith("postgresql"):
        # A database host that does not answer (network partition, not a refused
        # connection) must fail a request in seconds, not hang a worker: 503 meanwhile.
        options.setdefault("connect_timeout", env.int("DJANGO_DB_CONNECT_TIMEOUT", default=5))
    if db["ENGINE"].endswith("postgresql") and env.bool(
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
    # First: refuses every login of a locked-out account or address before any check.
    "redprop.accounts.backends.LockoutBackend",
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

# --- Login, sessions and tokens. See docs/security.md and docs/adr/0010 ---------------
# Lockout (django-axes): after AXES_FAILURE_LIMIT wrong passwords for one account (whatever
# identifier was typed: username or mobile) or from one address, logins are refused for
# the cool-off time; an administrator can unlock earlier (admin: 登录锁定).
AXES_FAILURE_LIMIT = env.int("REDPROP_LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("REDPROP_LOGIN_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "redprop.accounts.lockout.account_key"
AXES_CLIENT_IP_CALLABLE = "redprop.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "redprop.accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Tries during a lock are refused and not counted: the lock ends on time, so someone
# hammering a user's account cannot keep its owner out for ever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Never copied in clear into the attempt rows: the typed identifier may be a mobile.
AXES_SENSITIVE_PARAMETERS = ["password", "username", "token", "otp_token"]
# How many proxies in front of Django append to X-Forwarded-For (nginx: 1). 0 = use the
# peer address. A wrong value lets a client choose its own address, or locks a whole
# proxy out: see docs/security.md.
REDPROP_TRUSTED_PROXY_COUNT = env.int("REDPROP_TRUSTED_PROXY_COUNT", default=0)

# Sessions: logged out after REDPROP_SESSION_IDLE_MINUTES without a request, and after
# SESSION_COOKIE_AGE whatever happens (the absolute lifetime).
SESSION_COOKIE_AGE = env.int("REDPROP_SESSION_MAX_HOURS", default=12) * 3600
REDPROP_SESSION_IDLE_MINUTES = env.int("REDPROP_SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-step verification (TOTP, django-otp): required for these roles (and superusers,
# who count as sysadmin); optional for everyone else.
REDPROP_OTP_REQUIRED_ROLES = env.list(
    "REDPROP_OTP_REQUIRED_ROLES", default=["housing_bureau", "sysadmin"]
)
OTP_TOTP_ISSUER = "红色物业平台"
OTP_TOTP_THROTTLE_FACTOR = 1

# API tokens: default and longest lifetime of a new token, in days.
REDPROP_API_TOKEN_DEFAULT_DAYS = env.int("REDPROP_API_TOKEN_DEFAULT_DAYS", default=90)
REDPROP_API_TOKEN_MAX_DAYS = env.int("REDPROP_API_TOKEN_MAX_DAYS", default=366)

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

# --- Content-Security-Policy (django-csp). See docs/adr/0018-csp-and-hsts.md ---------
# Everything from this server, nothing inline: no <script> blocks, no style="..."
# attributes, no on*= handlers, no eval (redprop/tests/test_no_inline_code.py keeps the
# templates so). data: and blob: images are the QR codes and the photo previews.
CONTENT_SECURITY_POLICY: dict[str, Any] | None = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# REDPROP_CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only
# (violations are reported in the browser's console, nothing is refused): for trying a
# change of the policy on a live site before enforcing it.
if env.bool("REDPROP_CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None

# --- Input limits. See docs/adr/0009-input-limits.md and docs/api.md "Limits" --------
# Any body but a multipart upload: 1 MiB (a request with a 2,000-character
# description is under 10 KB); past it, 413 before anything reads the body.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("REDPROP_MAX_BODY_BYTES", default=1024 * 1024)
# A multipart body: 9 photos of at most 10 MiB each (redprop.requests.photos) and
# the form fields.
REDPROP_MAX_UPLOAD_BYTES = env.int("REDPROP_MAX_UPLOAD_BYTES", default=91 * 1024 * 1024)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# manage.py run_worker (redprop/core/worker.py): a task left RUNNING by a worker silent
# for this long is requeued; after this many workers died running it, it is failed.
REDPROP_TASK_LEASE_SECONDS = env.int("REDPROP_TASK_LEASE_SECONDS", default=60)
REDPROP_TASK_MAX_ATTEMPTS = env.int("REDPROP_TASK_MAX_ATTEMPTS", default=3)

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
    # Mobile and ID numbers are masked in every line, whoever logged them.
    "filters": {"mask_pii": {"()": "redprop.core.logging.MaskPiiFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii"]}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="WARNING")},
}

# --- Notifications: outbox, SMS, webhooks. See docs/subsystems/notifications.md ------
# A failed delivery is retried after base·2^(n-1) seconds (at most 6 h); after the
# last try the message stays in the outbox as a dead letter.
REDPROP_OUTBOX_RETRY_BASE_SECONDS = env.int("REDPROP_OUTBOX_RETRY_BASE_SECONDS", default=30)
REDPROP_OUTBOX_MAX_ATTEMPTS = env.int("REDPROP_OUTBOX_MAX_ATTEMPTS", default=8)
REDPROP_WEBHOOK_TIMEOUT_SECONDS = env.int("REDPROP_WEBHOOK_TIMEOUT_SECONDS", default=5)
# The class that sends SMS. The console one (demo, development) prints the messages with
# the numbers masked and sends nothing: production refuses to start with it unless
# REDPROP_ALLOW_CONSOLE_SMS=true says so (system check notifications.E001).
REDPROP_SMS_BACKEND = env(
    "REDPROP_SMS_BACKEND", default="redprop.notifications.sms.ConsoleSmsBackend"
)
REDPROP_ALLOW_CONSOLE_SMS = env.bool("REDPROP_ALLOW_CONSOLE_SMS", default=False)
# True under config.settings.production: turns on the checks that only production needs.
REDPROP_PRODUCTION = False
# Event kinds that also go out by SMS (the others: inbox and email only).
REDPROP_SMS_KINDS = env.list(
    "REDPROP_SMS_KINDS",
    default=[
        "request.dispatched",
        "request.deadline_warning",
        "request.escalated",
        # 议事协商: the meeting notice reaches invitees without the app (many are elderly).
        "meeting.invited",
    ],
)
# 联系居民 (ADR 0014): how the handler of an open order reaches its reporter.
# "reveal" shows the number for that order (logged); "bridge" places the call through
# a number-masking gateway (隐私号/中间号) and never shows it.
REDPROP_CONTACT_MODE = env("REDPROP_CONTACT_MODE", default="reveal")
REDPROP_CONTACT_GATEWAY = env(
    "REDPROP_CONTACT_GATEWAY", default="redprop.contact.gateways.DemoGateway"
)
REDPROP_CONTACT_BRIDGE_MINUTES = env.int("REDPROP_CONTACT_BRIDGE_MINUTES", default=30)
# Makes the relative links of notifications absolute in emails.
REDPROP_SITE_URL = env("REDPROP_SITE_URL", default="http://localhost:8000")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="红色物业平台 <noreply@localhost>")
# An SMTP server that never answers must not hold a delivery worker forever.
EMAIL_TIMEOUT = env.int("DJANGO_EMAIL_TIMEOUT", default=10)

# Fees (docs/subsystems/fees.md): the demo payment provider signs its callbacks with
# this key (HMAC-SHA256), so the online flow runs offline; a real provider has its own.
REDPROP_FEES_DEMO_KEY = env("REDPROP_FEES_DEMO_KEY", default="dev-only-fees-demo-key")
# Arrears reminders go out on this day of each month (the clock's sweep).
REDPROP_FEES_REMINDER_DAY = env.int("REDPROP_FEES_REMINDER_DAY", default=10)
