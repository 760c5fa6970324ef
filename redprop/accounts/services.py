"""Users, roles and tokens. Every grant and revoke is audited."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import DESK_ROLES, ROLE_REGION_LEVELS, ROLE_TARGET, Role
from redprop.accounts.models import ApiToken, RoleAssignment, User
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
    acting_user: Any,
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
    acting_user: Any,
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
def role_revoke(*, assignment: RoleAssignment, acting_user: Any) -> None:
    RoleAssignment.objects.filter(pk=assignment.pk).update(revoked_at=timezone.now())
    assignment.user.forget_roles()
    audit(
        actor=acting_user,
        event=AuditEvent.ROLE_REVOKED,
        target=assignment.user,
        role=assignment.role,
        scope=str(assignment.scope),
    )


@transaction.atomic
def token_create(*, user: User, name: str, acting_user: Any) -> str:
    """Create an API token and return it once; only its hash is kept."""
    raw = "rp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=hashlib.sha256(raw.encode()).hexdigest()
    )
    audit(actor=acting_user, event=AuditEvent.TOKEN_CREATED, target=user, token=token.pk, name=name)
    return raw
