"""Session policy (会话策略): idle timeout, absolute lifetime, two-step state.

A login stamps the session with its start (``LOGIN_AT``) and last activity
(``SEEN_AT``), and with whether the user still owes a two-step code (``OTP_STATE``),
so ``SessionPolicyMiddleware`` decides each request from the session alone, with no
query. Django's ``login()`` already gives the session a new key (rotation); a
successful two-step check rotates it again.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

LOGIN_AT = "_rp_login_at"
SEEN_AT = "_rp_seen_at"
OTP_STATE = "_rp_otp"
# Activity is written back at most once a minute: no session write on every request.
SEEN_GRANULARITY = 60

OTP_NONE = "none"  # no device, not required
OTP_VERIFY = "verify"  # has a device: must enter a code
OTP_ENROL = "enrol"  # required by the role, no device yet: must enrol


def otp_state_for(user: Any) -> str:
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return OTP_VERIFY
    if user.otp_required():
        return OTP_ENROL
    return OTP_NONE


def otp_pending(request: Any) -> bool:
    """The session's user still owes a two-step code or an enrolment."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return False
    if request.session.get(OTP_STATE, OTP_NONE) == OTP_NONE:
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (is_verified and is_verified())


def idle_seconds() -> int:
    return int(getattr(settings, "REDPROP_SESSION_IDLE_MINUTES", 30)) * 60


def max_age_seconds() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def stamp_login(session: Any, user: Any) -> None:
    now = int(time.time())
    session[LOGIN_AT] = now
    session[SEEN_AT] = now
    session[OTP_STATE] = otp_state_for(user)


def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        stamp_login(request.session, user)


def connect_signals() -> None:
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.connect(_on_login, dispatch_uid="redprop.accounts.sessions")
