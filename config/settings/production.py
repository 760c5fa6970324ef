"""Production: PostgreSQL from DATABASE_URL, persistent connections, hashed and
compressed static files served by whitenoise, JSON logs on stdout. See docs/deploy.md."""

from .base import *

DEBUG = False
REDPROP_PRODUCTION = True
SECRET_KEY = env("DJANGO_SECRET_KEY")
REDPROP_PII_KEYS = env.list("REDPROP_PII_KEYS")
REDPROP_BLIND_INDEX_KEY = env("REDPROP_BLIND_INDEX_KEY")

# No silent fallback to the SQLite file of base.py: production names its database.
DATABASES = {"default": database(env.str("DATABASE_URL"))}
# One connection per worker process (per thread with gthread), kept between requests
# and checked before reuse after an idle spell; see docs/deploy.md for the arithmetic
# against PostgreSQL's max_connections.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# --- HTTPS (docs/deploy.md "HTTPS", docs/adr/0018-csp-and-hsts.md) -----------------------
# DJANGO_SECURE_COOKIES=false is the switch of a plain-HTTP test install (the fault tests,
# the benchmarks): it also turns the redirect and HSTS off by default. Every other
# install is HTTPS only, and `manage.py check --deploy` reports nothing.
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Plain HTTP is answered with a redirect to HTTPS. Behind a proxy that terminates TLS,
# the proxy's X-Forwarded-Proto says the request came over HTTPS (below), so nothing
# loops; /healthz is exempt so that a probe may talk to gunicorn directly.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SESSION_COOKIE_SECURE)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: one year by default, this host and its subdomains. Browsers honour it only
# over HTTPS. Lower DJANGO_HSTS_SECONDS (e.g. 300) for the first days of a new install.
SECURE_HSTS_SECONDS = env.int(
    "DJANGO_HSTS_SECONDS", default=31_536_000 if SESSION_COOKIE_SECURE else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
# The preload token asks browser vendors to hard-code the *registrable* domain (e.g.
# example.gov.cn), which the operator of one platform host does not own: off unless
# DJANGO_HSTS_PRELOAD=true, and Django's check for it (W021) silenced with that reason.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind nginx terminating TLS: trust its X-Forwarded-Proto (it overwrites the client's).
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # nginx appends the peer's address to X-Forwarded-For: the login lockout counts by it.
    REDPROP_TRUSTED_PROXY_COUNT = env.int("REDPROP_TRUSTED_PROXY_COUNT", default=1)

# /healthz: the clock (and the task worker's answer to a ping) must be younger than this.
REDPROP_HEARTBEAT_MAX_AGE_SECONDS = env.int("REDPROP_HEARTBEAT_MAX_AGE_SECONDS", default=120)

# --- logs: JSON lines on stdout (redprop/core/logging.py) ---------------------------------
if env.bool("REDPROP_ACCESS_LOG", default=True):
    MIDDLEWARE = ["redprop.core.logging.AccessLogMiddleware", *MIDDLEWARE]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "redprop.core.logging.JsonFormatter"}},
    "filters": {"mask_pii": {"()": "redprop.core.logging.MaskPiiFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["mask_pii"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # 4xx/5xx with the request attached: the formatter adds path and status.
        "django.request": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
        "redprop.access": {"level": env("REDPROP_ACCESS_LOG_LEVEL", default="INFO")},
    },
}
