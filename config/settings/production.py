from .base import *

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
REDPROP_PII_KEYS = env.list("REDPROP_PII_KEYS")
REDPROP_BLIND_INDEX_KEY = env("REDPROP_BLIND_INDEX_KEY")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
