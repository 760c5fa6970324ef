"""Reads of logins and roles that every API call makes, compiled once per process."""

from __future__ import annotations

from redprop.accounts.models import ApiToken, RoleAssignment, User
from redprop.core.rows import Prepared

_token = Prepared(
    lambda key_hash: ApiToken.objects.select_related("user__person").filter(
        key_hash=key_hash, revoked_at__isnull=True, user__is_active=True
    )[:1],
    key_hash=str,
)

_roles = Prepared(
    lambda user_id: (
        RoleAssignment.objects.filter(user_id=user_id, revoked_at__isnull=True)
        .select_related("region")
        .order_by("id")
    ),
    user_id=int,
)


def token_with_user(*, key_hash: str) -> ApiToken | None:
    """The live (not revoked, not expired) token with this SHA-256, with its active user and the user's roles loaded.

    Two statements, none compiled per call: the token, its user and the user's person
    (a resident files for themself), then the user's active roles (what
    ``User.active_roles`` would read on first use).
    """
    token = _token.first(key_hash=key_hash)
    if token is None or not token.is_live():
        return None
    load_roles(token.user)
    return token


def load_roles(user: User) -> None:
    """Fill ``user.active_roles`` (one statement) unless it is already loaded."""
    if "active_roles" not in user.__dict__:
        user.__dict__["active_roles"] = _roles.run(user_id=user.pk)
