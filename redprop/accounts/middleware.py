"""Applies the session policy on every request (see accounts/sessions.py)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from redprop.accounts import sessions as policy

# Reachable while a two-step code is still owed: the pages that settle it, logging
# out, the language switch and files that need no login.
_OPEN_PREFIXES = ("/static/", "/media/", "/i18n/", "/healthz", "/favicon")


class SessionPolicyMiddleware:
    """Ends idle and over-age sessions; holds a session at the two-step pages until done.

    After ``AuthenticationMiddleware`` and django-otp's ``OTPMiddleware``. The API
    sees a session that still owes a code as anonymous (401); pages redirect to the
    code or enrolment page, keeping where the user was going in ``next``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from redprop.core.middleware import unavailable_response
        from redprop.core.resilience import DB_UNAVAILABLE

        user = getattr(request, "user", None)
        try:
            if user is not None and user.is_authenticated:
                response = self._check(request)
                if response is not None:
                    return response
        except DB_UNAVAILABLE as exc:
            # Reading the session is the first query of a request: while the database
            # is away, answer 503 here, as the view's own errors are (docs/reliability.md).
            return unavailable_response(request, exc)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        session = request.session
        now = int(time.time())
        login_at = session.get(policy.LOGIN_AT)
        if login_at is None:  # a session from before this policy: start counting now
            policy.stamp_login(session, request.user)
            login_at = now
        seen = session.get(policy.SEEN_AT, login_at)
        if now - seen > policy.idle_seconds():
            return self._end(
                request,
                _("您已 %(minutes)s 分钟未操作，为保护账号安全已自动退出，请重新登录。")
                % {"minutes": policy.idle_seconds() // 60},
            )
        if now - login_at > policy.max_age_seconds():
            return self._end(
                request,
                _("本次登录已超过 %(hours)s 小时，请重新登录。")
                % {"hours": policy.max_age_seconds() // 3600},
            )
        if now - seen >= policy.SEEN_GRANULARITY:
            session[policy.SEEN_AT] = now

        if not policy.otp_pending(request):
            return None
        state = session.get(policy.OTP_STATE)
        path = request.path
        if path.startswith(_OPEN_PREFIXES) or path in self._otp_paths():
            return None
        if path.startswith("/api/"):
            request.user = AnonymousUser()
            return None
        target = "accounts:otp_verify" if state == policy.OTP_VERIFY else "accounts:otp_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _otp_paths() -> set[str]:
        return {
            reverse("accounts:otp_verify"),
            reverse("accounts:otp_setup"),
            reverse("web:logout"),
            reverse("web:login"),
        }

    @staticmethod
    def _end(request: HttpRequest, message: str) -> HttpResponse | None:
        api = request.path.startswith("/api/")
        logout(request)
        if api:
            return None  # the API answers 401 to the now anonymous request
        messages.info(request, message)
        return redirect(f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}")
