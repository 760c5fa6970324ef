"""Who may do what to a request. Used by services, the API and the pages alike.

Territory scopes are checked in Python against the request's place columns (no
query); org scopes against the handling org; a resident is the reporter or a
follower of the request.
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS, Scope

DISPATCHERS = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN)
FILERS = (
    Role.RESIDENT,
    Role.GRID_BUTLER,
    Role.MAINTENANCE_WORKER,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.SYSADMIN,
)


def _matches(scope: Scope, obj: Any) -> bool:
    if scope.kind == "all":
        return True
    if scope.kind in TERRITORY_LEVELS:
        return getattr(obj, f"{scope.kind}_id", None) == scope.node_id
    if scope.kind == "org":
        return getattr(obj, "handling_org_id", None) == scope.node_id
    return False


def has_scoped_role(user: Any, obj: Any, roles: tuple[str, ...]) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return any(_matches(s, obj) for s in user.scope_set(*roles))


def is_reporter(user: Any, request: Any) -> bool:
    return bool(user.person_id) and (
        request.reporter_id == user.person_id
        or request.followers.filter(person_id=user.person_id).exists()
    )


def can_view(user: Any, request: Any) -> bool:
    if has_scoped_role(user, request, tuple(r for r in Role if r != Role.RESIDENT)):
        return True
    if user.is_active and request.assignee_id is not None and request.assignee_id == user.pk:
        return True  # the named handler (指定处理人), wherever their own grid is
    return user.has_role(Role.RESIDENT) and is_reporter(user, request)


def can_dispatch(user: Any, request: Any) -> bool:
    return has_scoped_role(user, request, DISPATCHERS)


def can_handle(user: Any, request: Any) -> bool:
    """The handling unit's staff, or the grid's butler/worker for a property order."""
    if request.handling_org_id is None:
        return False
    if has_scoped_role(user, request, (Role.COMPANY_STAFF, Role.UNIT_STAFF, Role.SYSADMIN)):
        return True
    if request.assignee_id == user.pk:
        return True
    org = request.handling_org
    from redprop.orgs.choices import OrgKind

    if org.kind == OrgKind.PROPERTY_COMPANY:
        return has_scoped_role(user, request, (Role.GRID_BUTLER, Role.MAINTENANCE_WORKER))
    if org.kind == OrgKind.RESIDENTS_COMMITTEE:
        return has_scoped_role(user, request, (Role.COMMUNITY_STAFF, Role.GRID_BUTLER))
    return False


def can_file_at(user: Any, place: Any) -> bool:
    """Residents file for their own household's compound; staff inside their scope."""
    if has_scoped_role(user, place, tuple(r for r in FILERS if r != Role.RESIDENT)):
        return True
    if not user.has_role(Role.RESIDENT) or not user.person_id:
        return False
    from redprop.territory.selectors import lives_in_compound

    compound_id = getattr(place, "compound_id", None) or getattr(place, "pk", None)
    return compound_id is not None and lives_in_compound(
        person_id=user.person_id, compound_id=compound_id
    )


# 联系居民 / 联系处理人 (ADR 0014). Separate from can_view/can_handle on purpose: who
# may see an order is wider than who may reach a person about it.
HANDLER_ROLES = (
    Role.GRID_BUTLER,
    Role.MAINTENANCE_WORKER,
    Role.COMPANY_STAFF,
    Role.UNIT_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.SYSADMIN,
)


def can_contact_reporter(user: Any, request: Any) -> bool:
    """The current assignee (处理人) of an open order may reach its reporter.

    Only while the order is open (``OPEN_STATES``: not once it is resolved, rated,
    closed, cancelled or merged), only the named assignee who still holds a staff
    role, never for an anonymous request, never a follower or another of the unit's
    staff.
    """
    from redprop.requests.choices import OPEN_STATES

    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and request.assignee_id is not None
        and request.assignee_id == user.pk
        and request.status in OPEN_STATES
        and request.reporter_id is not None
        and not request.anonymous
        and user.has_role(*HANDLER_ROLES)
    )


def can_contact_handler(user: Any, request: Any) -> bool:
    """The reporter (not a follower) of an open, dispatched order sees the handler's
    work phone (never a personal one)."""
    from redprop.requests.choices import OPEN_STATES

    return bool(
        user
        and user.is_authenticated
        and user.is_active
        and user.person_id
        and request.reporter_id == user.person_id
        and request.status in OPEN_STATES
        and request.handling_org_id is not None
        and user.has_role(Role.RESIDENT)
    )
