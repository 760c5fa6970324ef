from .base import *

DEBUG = env.bool("DJANGO_DEBUG", default=True)
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Django's debug pages (DEBUG=True) are written with inline <style> and <script>, which
# the Content-Security-Policy refuses: in development the policy is reported in the
# browser's console instead of enforced. Tests and production enforce it (ADR 0018).
if DEBUG and not env.bool("REDPROP_CSP_ENFORCE", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = CONTENT_SECURITY_POLICY
    CONTENT_SECURITY_POLICY = None
