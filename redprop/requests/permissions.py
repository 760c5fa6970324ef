"""Who may do what to a request: scope AND relationship. Used by services, the API
and the pages alike (through ``workflow.ACTIONS`` for the state changes).

Scope says whether a user may see a request at all; the relationship says what they
may do to this one (docs/subsystems/requests.md "Relationships"):

* ``is_reporter`` — the resident who filed it, or for whom staff filed it;
* ``is_follower`` — a resident of the compound who said "me too" (一起关注): hears
  about it, sees what the public would (``view_of``), and may do nothing to it;
* ``is_handler`` — the handling organisation's people, or whom the dispatcher (or
  the assignment policy) named;
* ``is_dispatcher`` — community staff and street officers of its place;
* ``is_staff`` — any staff role over its place or unit: such a person never rates.

Territory scopes are checked in Python against the request's place columns (no
query); org scopes against the handling org.
"""

from __future__ import annotations

import enum
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
    Role.HOTLINE,
)
# The hotline role (Open311's client systems) only files in its region; it is not staff:
# it reads requests through Open311's public fields, never the staff's view.
STAFF_ROLES = tuple(r for r in Role if r not in (Role.RESIDENT, Role.HOTLINE))
GRID_STAFF = (Role.GRID_BUTLER, Role.MAINTENANCE_WORKER)


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


# --- relationships ---------------------------------------------------------------------


def is_reporter(user: Any, request: Any) -> bool:
    """The resident who filed the request, or for whom staff filed it (反映人). A
    follower is not the reporter."""
    person_id = getattr(user, "person_id", None)
    return bool(person_id) and request.reporter_id == person_id


def is_follower(user: Any, request: Any) -> bool:
    """A resident following the request (一起关注, or merged into it). One query."""
    person_id = getattr(user, "person_id", None)
    if not person_id or request.reporter_id == person_id:
        return False
    return bool(request.followers.filter(person_id=person_id).exists())


def is_staff(user: Any, request: Any) -> bool:
    """Any staff role whose scope covers the request (its place or its unit), or its
    assignee: the people the request's rates judge, who therefore never rate it."""
    if has_scoped_role(user, request, STAFF_ROLES):
        return True
    return bool(user.is_active and request.assignee_id and request.assignee_id == user.pk)


def is_dispatcher(user: Any, request: Any) -> bool:
    """社区发单: community staff and street officers of the request's place."""
    return has_scoped_role(user, request, DISPATCHERS)


def is_handler(user: Any, request: Any) -> bool:
    """The handling organisation's people, or whom the dispatcher named (指定处理人).

    * the assignee, whoever they work for (the dispatch service only names the
      unit's own people; the assignment policy likewise);
    * staff whose role is anchored to the handling unit (物业企业 / 辖区单位);
    * for a property company's order, the butler and maintenance worker of the
      request's grid who work for that company (``works_for``);
    * for the residents' committee's order (社区兜底), the community's staff;
    * the system administrator.
    """
    if request.handling_org_id is None or not (user and user.is_active):
        return False
    if request.assignee_id is not None and request.assignee_id == user.pk:
        return True
    if has_scoped_role(user, request, (Role.COMPANY_STAFF, Role.UNIT_STAFF, Role.SYSADMIN)):
        return True
    from redprop.orgs.choices import OrgKind

    org = request.handling_org
    if org.kind == OrgKind.PROPERTY_COMPANY:
        return has_scoped_role(user, request, GRID_STAFF) and works_for(
            user, org, grid_id=request.grid_id
        )
    if org.kind == OrgKind.RESIDENTS_COMMITTEE:
        return has_scoped_role(user, request, (Role.COMMUNITY_STAFF,))
    return False


def works_for(user: Any, org: Any, *, grid_id: int | None) -> bool:
    """Whether a grid's butler or maintenance worker is ``org``'s (a property company).

    Their employer is their current ``OrgMembership`` when one is recorded with a
    property company; without one, the company that serves a compound with a building
    in their grid (the rule ``policies.eligible_assignees`` lists people by). At most
    two queries per user, memoised on the user object for the page being built.
    """
    memo: dict[Any, bool] = user.__dict__.setdefault("_works_for", {})
    key = (org.pk, grid_id)
    if key not in memo:
        employers = _employers(user)
        if employers:
            memo[key] = org.pk in employers
        else:
            from redprop.territory.models import Building

            memo[key] = (
                grid_id is not None
                and Building.objects.filter(grid_id=grid_id, compound__company_id=org.pk).exists()
            )
    return memo[key]


def _employers(user: Any) -> frozenset[int]:
    """The property companies the user's person currently works for (one query)."""
    if "_employers" not in user.__dict__:
        ids: frozenset[int] = frozenset()
        if user.person_id:
            from django.utils import timezone

            from redprop.orgs.choices import OrgKind
            from redprop.orgs.models import OrgMembership

            today = timezone.localdate()
            ids = frozenset(
                OrgMembership.objects.filter(
                    person_id=user.person_id, org__kind=OrgKind.PROPERTY_COMPANY
                )
                .exclude(ended_on__lt=today)
                .values_list("org_id", flat=True)
            )
        user.__dict__["_employers"] = ids
    return frozenset(user.__dict__["_employers"])


# --- seeing --------------------------------------------------------------------------------


class View(enum.StrEnum):
    """How much of a request a reader sees (docs/adr/0008-follower-view.md)."""

    STAFF = "staff"  # everything the role needs (masked personal data)
    REPORTER = "reporter"  # their own request: their words, their flat, the handler
    PUBLIC = "public"  # a follower: category, status, compound, deadlines, the steps


def can_view(user: Any, request: Any) -> bool:
    if has_scoped_role(user, request, STAFF_ROLES):
        return True
    if user.is_active and request.assignee_id is not None and request.assignee_id == user.pk:
        return True  # the named handler (指定处理人), wherever their own grid is
    if not user.has_role(Role.RESIDENT):
        return False
    return is_reporter(user, request) or is_follower(user, request)


def view_of(user: Any, request: Any) -> View:
    """The view of a request ``user`` may already read (``can_view``). No query."""
    if is_staff(user, request):
        return View.STAFF
    if is_reporter(user, request):
        return View.REPORTER
    return View.PUBLIC


# --- other acts ----------------------------------------------------------------------------


def can_dispatch(user: Any, request: Any) -> bool:
    return is_dispatcher(user, request)


def can_handle(user: Any, request: Any) -> bool:
    return is_handler(user, request)


def can_follow(user: Any, request: Any) -> bool:
    """一起关注 is a resident's "me too": a resident of the request's compound only."""
    if not (user and user.is_active and user.person_id and user.has_role(Role.RESIDENT)):
        return False
    if request.compound_id is None or is_reporter(user, request):
        return False
    from redprop.territory.selectors import lives_in_compound

    return lives_in_compound(person_id=user.person_id, compound_id=request.compound_id)


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
