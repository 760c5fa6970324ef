from .base import *

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod is argon2
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file (not :memory:) so threaded and transactional tests share it;
    # REDPROP_TEST_DB lets parallel checkouts or agents keep their own.
    DATABASES["default"]["TEST"] = {
        "NAME": env("REDPROP_TEST_DB", default=str(BASE_DIR / "var" / "test.sqlite3"))
    }
MEDIA_ROOT = env.path("REDPROP_MEDIA_ROOT", default=BASE_DIR / "var" / "test-media")
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A worker process started by a test (redprop/notifications/tests) must use the
# database queue, which the in-process ImmediateBackend above replaces.
if env("REDPROP_TEST_TASKS_BACKEND", default=""):
    TASKS = {"default": {"BACKEND": env("REDPROP_TEST_TASKS_BACKEND")}}
# Tests of other apps log staff in with force_login and no authenticator: two-step
# verification is not required here. redprop/accounts/tests turn it on per test.
REDPROP_OTP_REQUIRED_ROLES = []
