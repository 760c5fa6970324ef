"""Users and the roles they hold, each with its own scope."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import FILE_ONLY_ROLES, Role
from redprop.core.models import BaseModel
from redprop.core.scope import Scope, ScopeSet


class User(AbstractUser):
    """A login. Personal data lives on the linked ``Person``, encrypted."""

    person = models.OneToOneField(
        "people.Person",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("人员"),
    )
    display_name = models.CharField(_("显示名"), max_length=32, blank=True)
    # Raised by "退出所有设备": every session signed with an older value ends.
    session_epoch = models.PositiveIntegerField(_("会话版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's session check (an HMAC of the password hash), also over the epoch.

        Django ends a session whose stored hash no longer matches, as after a password
        change; raising ``session_epoch`` does the same for "logout everywhere". Epoch 0
        hashes as Django does, so sessions made before this field existed stay valid.
        """
        from django.utils.crypto import salted_hmac

        if not self.session_epoch:
            return super()._get_session_auth_hash(secret=secret)  # type: ignore[misc]
        return salted_hmac(
            "redprop.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def otp_required(self) -> bool:
        """Two-step verification is compulsory for superusers and the roles in settings."""
        from django.conf import settings

        required = {r for r in getattr(settings, "REDPROP_OTP_REQUIRED_ROLES", ()) if r}
        if not required:
            return False
        if self.is_superuser and Role.SYSADMIN in required:
            return True
        return bool(self.role_names() & required)

    @cached_property
    def active_roles(self) -> list[RoleAssignment]:
        return list(self.roles.filter(revoked_at__isnull=True).select_related("region"))

    def role_names(self) -> set[str]:
        names = {r.role for r in self.active_roles}
        if self.is_superuser:
            names.add(Role.SYSADMIN)
        return names

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names() & set(roles))

    def scope_set(self, *roles: str) -> ScopeSet:
        """The union of the scopes of the user's roles (or only of ``roles``). Without
        ``roles``, a file-only role (``FILE_ONLY_ROLES``) adds nothing."""
        if not self.is_active:
            return ScopeSet()
        scopes = [
            r.scope
            for r in self.active_roles
            if (r.role in roles if roles else r.role not in FILE_ONLY_ROLES)
        ]
        if self.is_superuser and (not roles or Role.SYSADMIN in roles):
            scopes.append(Scope("all"))
        return ScopeSet.of(scopes)

    def forget_roles(self) -> None:
        self.__dict__.pop("active_roles", None)


class RoleAssignment(BaseModel):
    """One role of one user, anchored to a region, grid, organisation or person."""

    user = models.ForeignKey(User, models.CASCADE, related_name="roles", verbose_name=_("用户"))
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区域"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("网格"),
    )
    org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("本人"),
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.CheckConstraint(
                name="role_has_its_anchor",
                condition=(
                    Q(role="resident", person__isnull=False)
                    | Q(role__in=["grid_butler", "maintenance_worker"], grid__isnull=False)
                    | Q(role__in=["company_staff", "unit_staff"], org__isnull=False)
                    | Q(
                        role__in=["community_staff", "street_officer", "housing_bureau", "hotline"],
                        region__isnull=False,
                    )
                    | Q(role="sysadmin")
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.anchor_label}"

    def clean(self) -> None:
        """The same checks as accounts.services.role_grant, for the admin's inline."""
        from django.core.exceptions import ValidationError

        from redprop.accounts.choices import ROLE_REGION_LEVELS, ROLE_TARGET

        target = ROLE_TARGET.get(Role(self.role)) if self.role else None
        if target and getattr(self, f"{target}_id") is None:
            raise ValidationError({target: _("该角色需要指定管辖范围")})
        levels = ROLE_REGION_LEVELS.get(Role(self.role)) if self.role else None
        if levels and self.region is not None and self.region.level not in levels:
            raise ValidationError({"region": _("管辖区域层级与角色不符")})

    @property
    def scope(self) -> Scope:
        if self.role == Role.SYSADMIN:
            return Scope("all")
        if self.role == Role.RESIDENT:
            return Scope("resident", self.person_id or 0)
        if self.grid_id:
            return Scope("grid", self.grid_id)
        if self.org_id:
            return Scope("org", self.org_id)
        if self.region is None:  # the check constraint makes this unreachable
            raise ValueError("role without an anchor")
        return Scope(self.region.level, self.region_id or 0)

    @property
    def anchor_label(self) -> str:
        if self.role == Role.SYSADMIN:
            return str(_("全市"))
        target = self.region or self.grid or self.org or self.person
        return str(target) if target else ""


class TokenScope(models.TextChoices):
    READ = "read", _("只读")
    WRITE = "write", _("读写")


class ApiToken(BaseModel):
    """A bearer token for a machine client. Only the SHA-256 of the token is stored.

    Issued by ``accounts.services.token_create`` (admin action or ``manage.py
    api_token``), which shows the key once. A token acts as its user, within ``scope``
    (read: GET/HEAD/OPTIONS only), until ``expires_at`` or ``revoked_at``.
    """

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("用户")
    )
    name = models.CharField(_("名称"), max_length=64)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, to tell tokens apart in lists (never enough to use).
    prefix = models.CharField(_("令牌前缀"), max_length=12, blank=True, editable=False)
    scope = models.CharField(
        _("权限范围"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.name}"

    def is_live(self, now: Any = None) -> bool:
        from django.utils import timezone

        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
