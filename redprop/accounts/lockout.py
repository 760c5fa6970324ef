"""Login lockout (登录锁定) on django-axes: who is counted, from where, and what they see.

Failures are counted per account and per client address (``AXES_LOCKOUT_PARAMETERS``).
The account is the one the typed identifier names (``user_for_identifier``), so twenty
wrong passwords typed with the username also lock the login by mobile, and the other
way round. See docs/security.md, "Login, sessions and tokens".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from redprop.core.logging import mask_pii_text


def account_key(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the account's username, or the typed text (masked)."""
    from redprop.accounts.backends import user_for_identifier

    typed = str((credentials or {}).get("username") or "").strip()[:150]
    if not typed:
        return None
    cache = getattr(request, "_rp_account_keys", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._rp_account_keys = cache  # type: ignore[attr-defined]
    if typed not in cache:
        user = user_for_identifier(typed)
        # An unknown identifier is kept masked: the attempt rows must not collect mobiles.
        cache[typed] = user.username if user is not None else mask_pii_text(typed)
    return cache[typed]


def client_ip(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the peer, or the address the trusted proxy saw.

    With ``REDPROP_TRUSTED_PROXY_COUNT = n`` the n-th address from the right of
    X-Forwarded-For is taken (nginx's ``$proxy_add_x_forwarded_for`` appends the peer),
    so a client cannot pick its own address by sending the header itself.
    """
    count = getattr(settings, "REDPROP_TRUSTED_PROXY_COUNT", 0)
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes() -> int:
    cool_off = settings.AXES_COOLOFF_TIME
    return max(1, int(cool_off.total_seconds() // 60)) if cool_off else 0


def lockout_message() -> str:
    return _(
        "登录失败次数过多，该账号或当前网络已被暂时锁定。请 %(minutes)s 分钟后再试，"
        "或联系系统管理员解锁。"
    ) % {"minutes": lockout_minutes()}


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page again, with the lockout message, 429."""
    from redprop.accounts.forms import LoginForm

    form = LoginForm(request, data=None, initial={"username": ""})
    return render(
        request,
        "web/login.html",
        {"form": form, "lockout_error": lockout_message(), "next": ""},
        status=429,
    )


def _on_locked_out(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kw: Any
) -> None:
    """Audit the moment of the lock (not every refused try while it lasts)."""
    if request is None or not getattr(request, "axes_failures_since_start", None):
        return
    from axes.models import AccessAttempt

    from redprop.accounts.models import User
    from redprop.core.audit import audit
    from redprop.core.models import AuditEvent

    target = User.objects.filter(username=username).first() if username else None
    if target is None:
        target = (
            AccessAttempt.objects.filter(ip_address=ip_address).order_by("-attempt_time").first()
        )
    if target is None:
        return
    audit(
        actor=None,
        event=AuditEvent.LOGIN_LOCKED_OUT,
        target=target,
        after={},
        account=username,
        ip_address=ip_address,
        failures=request.axes_failures_since_start,
    )


def connect_signals() -> None:
    from axes.signals import user_locked_out

    receiver(user_locked_out, dispatch_uid="redprop.accounts.lockout")(_on_locked_out)
