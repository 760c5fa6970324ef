"""Account security pages (账号安全): two-step verification, logout everywhere.

Phone-first pages: one column, large inputs, the code field asks for the numeric
keyboard. The QR code is drawn on the server (segno) and inlined as SVG: nothing is
loaded from outside.
"""

from __future__ import annotations

import base64
import time

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from redprop.accounts import services
from redprop.accounts import sessions as policy
from redprop.core.errors import ApplicationError
from redprop.web.nav import home_url_for


class OtpForm(forms.Form):
    otp_token = forms.CharField(
        label=gettext_lazy("6 位验证码"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9 ]*",
                "autofocus": True,
            }
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return home_url_for(request.user)


def _verified(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    """The code was right: mark the session verified under a new key, then go on."""
    otp_login(request, device)
    request.session.cycle_key()
    request.session[policy.OTP_STATE] = policy.OTP_VERIFY
    return redirect(_next_url(request))


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Ask a user who has an authenticator for its current code (登录两步验证)."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        # Reset by an administrator meanwhile: enrol if required, else nothing owed.
        state = policy.otp_state_for(request.user)
        request.session[policy.OTP_STATE] = state
        if state == policy.OTP_ENROL:
            return redirect(_with_next("accounts:otp_setup", _next_url(request)))
        return redirect(_next_url(request))
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next_url(request))
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _data = device.verify_is_allowed()
        if not allowed:
            form.add_error("otp_token", _("尝试次数过多，请稍等片刻再输入"))
        elif services.otp_token_ok(device, form.cleaned_data["otp_token"]):
            return _verified(request, device)
        else:
            form.add_error("otp_token", _("验证码不正确或已过期，请重新输入"))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm a code."""
    has_device = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    if has_device and not request.user.is_verified():  # type: ignore[union-attr]
        # Replacing a device needs the old one first: a password alone is not enough.
        return redirect(_with_next("accounts:otp_verify", request.path))
    device = services.otp_device_start(user=request.user)  # type: ignore[arg-type]
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.otp_device_confirm(
                user=request.user,  # type: ignore[arg-type]
                device=device,
                token=form.cleaned_data["otp_token"],
                acting_user=request.user,
            )
        except ApplicationError as err:
            form.add_error("otp_token", err.message)
        else:
            messages.success(request, _("两步验证已启用。以后登录时需输入验证器中的验证码。"))
            return _verified(request, device)
    secret = base64.b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": _next_url(request),
            "qr_svg": mark_safe(qr.svg_inline(scale=5, dark="#1a1a1a", title=_("两步验证二维码"))),  # noqa: S308  # nosec B308 B703 - segno builds the SVG, no user input
            "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "replacing": has_device,
            "required": request.user.otp_required(),  # type: ignore[union-attr]
        },
        status=400 if form.errors else 200,
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """账号安全: two-step status, this session's limits, logout everywhere."""
    login_at = request.session.get(policy.LOGIN_AT) or int(time.time())
    return render(
        request,
        "accounts/security.html",
        {
            "has_device": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
            "required": request.user.otp_required(),  # type: ignore[union-attr]
            "idle_minutes": policy.idle_seconds() // 60,
            "max_hours": policy.max_age_seconds() // 3600,
            "login_at": login_at,
            "ends_at": login_at + policy.max_age_seconds(),
        },
    )


@login_required
@require_POST
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    """退出所有设备: every other session of the user ends; this one stays, re-keyed."""
    user = request.user
    services.sessions_end_others(user=user, acting_user=user)  # type: ignore[arg-type]
    update_session_auth_hash(request, user)  # type: ignore[arg-type]
    messages.success(request, _("已退出其他所有设备上的登录。"))
    return redirect("accounts:security")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"
