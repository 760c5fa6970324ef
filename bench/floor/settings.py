"""A bare Django project: no apps, no middleware, one view (bench/floor/views.py).

Same database settings as RedProp's production (persistent connections with health
checks) so the only difference measured is the application's own work.
"""

import os
from urllib.parse import urlsplit

_db = urlsplit(
    os.environ.get("FLOOR_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/floor_bench")
)

SECRET_KEY = "bench-only-floor-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.floor.urls"
WSGI_APPLICATION = "bench.floor.wsgi.application"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": str(_db.port or 5432),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
