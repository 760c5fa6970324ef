"""Users, roles and tokens. Every grant and revoke is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import DESK_ROLES, ROLE_REGION_LEVELS, ROLE_TARGET, Role
from redprop.accounts.models import ApiToken, RoleAssignment, TokenScope, User
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    display_name: str = "",
    person: Any = None,
    acting_user: User | None,
) -> User:
    if User.objects.filter(username=username).exists():
        raise ApplicationError("duplicate_username", _("用户名已存在"), field="username")
    user = User(username=username, display_name=display_name or username, person=person)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit(actor=acting_user, event=AuditEvent.USER_CREATED, target=user)
    return user


@transaction.atomic
def role_grant(
    *,
    user: User,
    role: str,
    region: Any = None,
    grid: Any = None,
    org: Any = None,
    person: Any = None,
    acting_user: User | None,
) -> RoleAssignment:
    """Give ``user`` a role anchored where the role requires (see ROLE_TARGET)."""
    role = Role(role)
    anchors = {"region": region, "grid": grid, "org": org, "person": person}
    target = ROLE_TARGET[role]
    if target is not None and anchors[target] is None:
        raise ApplicationError("role_anchor_missing", _("该角色需要指定管辖范围"), field=target)
    if role in ROLE_REGION_LEVELS and region.level not in ROLE_REGION_LEVELS[role]:
        raise ApplicationError("role_anchor_level", _("管辖区域层级与角色不符"), field="region")
    kwargs = {target: anchors[target]} if target else {}
    assignment = RoleAssignment.objects.create(user=user, role=role, **kwargs)
    if role in DESK_ROLES and not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    user.forget_roles()
    audit(
        actor=acting_user,
        event=AuditEvent.ROLE_GRANTED,
        target=user,
        role=role,
        scope=str(assignment.scope),
    )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, acting_user: User) -> None:
    RoleAssignment.objects.filter(pk=assignment.pk).update(revoked_at=timezone.now())
    assignment.user.forget_roles()
    audit(
        actor=acting_user,
        event=AuditEvent.ROLE_REVOKED,
        target=assignment.user,
        role=assignment.role,
        scope=str(assignment.scope),
    )


class IssuedToken(NamedTuple):
    token: ApiToken
    key: str  # shown once; only its SHA-256 is stored


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(
    *,
    user: User,
    name: str,
    scope: str = TokenScope.READ,
    expires_in_days: int | None = None,
    acting_user: User,
) -> IssuedToken:
    """Issue an API token for ``user`` and return it with its key, which is never stored.

    The token acts as its user, within ``scope`` (read-only unless "write"), until it
    expires (default ``REDPROP_API_TOKEN_DEFAULT_DAYS``, at most ``..._MAX_DAYS``) or is
    revoked. Audited (104) without the key.
    """
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ApplicationError("invalid_token_name", _("令牌名称须为 1–64 个字符"), field="name")
    if scope not in TokenScope.values:
        raise ApplicationError("invalid_token_scope", _("令牌权限范围无效"), field="scope")
    days = settings.REDPROP_API_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    max_days = settings.REDPROP_API_TOKEN_MAX_DAYS
    if not 1 <= days <= max_days:
        raise ApplicationError(
            "invalid_token_lifetime",
            _("令牌有效期须为 1–%(max)s 天") % {"max": max_days},
            field="expires_in_days",
        )
    if not user.is_active:
        raise ApplicationError("inactive_user", _("该账号已停用"), field="user")
    key = "rp_" + secrets.token_urlsafe(32)
    expires_at = timezone.now() + dt.timedelta(days=days)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        key_hash=token_hash(key),
        prefix=key[:10],
        expires_at=expires_at,
    )
    audit(
        actor=acting_user,
        event=AuditEvent.TOKEN_CREATED,
        target=user,
        after={},
        token=token.pk,
        name=name,
        scope=scope,
        prefix=token.prefix,
        expires_at=expires_at.isoformat(),
    )
    return IssuedToken(token, key)


@transaction.atomic
def token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    """Revoke a token now (idempotent: a revoked token keeps its first revocation time)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            actor=acting_user,
            event=AuditEvent.TOKEN_REVOKED,
            target=token.user,
            after={},
            token=token.pk,
            name=token.name,
            prefix=token.prefix,
        )
    return token


# --- login lockout, sessions, two-step verification --------------------------------------


@transaction.atomic
def login_unlock(*, attempts: Iterable[Any], acting_user: User) -> int:
    """Lift login locks (django-axes ``AccessAttempt`` rows) early; one audit row each."""
    from axes.models import AccessAttempt

    count = 0
    for attempt in AccessAttempt.objects.select_for_update().filter(
        pk__in=[a.pk for a in attempts]
    ):
        target: Any = User.objects.filter(username=attempt.username).first() or attempt
        audit(
            actor=acting_user,
            event=AuditEvent.LOGIN_UNLOCKED,
            target=target,
            after={},
            account=attempt.username,
            ip_address=attempt.ip_address,
            failures=attempt.failures_since_start,
        )
        attempt.delete()
        count += 1
    return count


@transaction.atomic
def sessions_end_others(*, user: User, acting_user: User) -> int:
    """End every session of ``user`` ("退出所有设备"): all that were signed before.

    Raises ``session_epoch``, which changes the session hash Django checks on each
    request, so every existing session of the user ends at its next request. The
    caller keeps its own session by re-signing it (``update_session_auth_hash``).
    Returns the new epoch.
    """
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    audit(
        actor=acting_user,
        event=AuditEvent.SESSIONS_ENDED,
        target=user,
        after={},
        epoch=user.session_epoch,
    )
    return user.session_epoch


def otp_device_start(*, user: User) -> Any:
    """The unconfirmed TOTP device of an enrolment in progress (created once, reused).

    Nothing is audited yet: the device counts only once ``otp_device_confirm`` has
    checked a code from it.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("手机验证器"), confirmed=False)
    return device


def otp_device_confirm(*, user: User, device: Any, token: str, acting_user: User) -> Any:
    """Confirm an enrolment with a code from the authenticator app (启用两步验证).

    The code is checked outside the transaction so that a wrong one still counts
    towards the device's throttle (django-otp doubles the wait after each failure).
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(pk=device.pk, user=user, confirmed=False)
    if not otp_token_ok(device, token):
        raise ApplicationError(
            "invalid_otp", _("验证码不正确或已过期，请重新输入"), field="otp_token"
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One device per user: an older one (a lost phone) stops working.
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        audit(
            actor=acting_user,
            event=AuditEvent.OTP_ENROLLED,
            target=user,
            after={},
            device=device.pk,
        )
    return device


def otp_token_ok(device: Any, token: str) -> bool:
    """A six-digit code from ``device``, not yet used, within the throttle."""
    token = (token or "").strip().replace(" ", "")
    return token.isdigit() and len(token) == device.digits and bool(device.verify_token(token))


@transaction.atomic
def otp_device_reset(*, user: User, acting_user: User) -> int:
    """Remove a user's TOTP devices (a lost phone): they enrol again at the next login
    if their role requires it. Ends their sessions too."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    count: int
    count, _deleted = TOTPDevice.objects.filter(user=user).delete()
    audit(actor=acting_user, event=AuditEvent.OTP_RESET, target=user, after={}, devices=count)
    sessions_end_others(user=user, acting_user=acting_user)
    return count
