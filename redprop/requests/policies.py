"""What differs between places, as data plus one object each.

* ``sla_policy_for`` — the rapid-response rule in force for a place at a time.
* ``route_for`` — which unit a request goes to, and whether it goes automatically.
* ``assignee_for`` — who inside the unit gets it.

The dispatch simulation (bench/) calls these same functions: never copy them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from redprop.accounts.choices import Role
from redprop.calendars.selectors import calendar_spec, calendar_spec_by_code
from redprop.core import refdata
from redprop.core.errors import ApplicationError
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org
from redprop.requests.choices import (
    DEFAULT_ESCALATE_TO,
    OPEN_STATES,
    AssignmentMode,
    Matter,
    Status,
    TargetUnit,
)
from redprop.requests.defaults import DEFAULT_5341, DEFAULT_5341_DAYS
from redprop.requests.errors import RequestError
from redprop.requests.models import Category, RoutingRule, ServiceRequest, SlaPolicy
from redprop.requests.sla import SNAPSHOT_VERSION

# Reference-data namespaces (redprop.core.refdata); the app config clears them when
# their models change.
REFDATA_SLA = "requests.sla"
REFDATA_ROUTING = "requests.routing"
REFDATA_ORGS = "requests.orgs"
REFDATA_CATEGORIES = "requests.categories"


# The escalation ladder's vocabulary and checks live in ``escalation`` (no model import:
# the policy model's ``clean`` uses them too); named here as before.
from redprop.requests.escalation import (  # noqa: E402
    COMMUNITY,
    ESCALATION_TARGETS,
    GRID,
    STREET,
    escalate_to,
    escalate_to_problem,
    escalation_target,
)

__all__ = [
    "COMMUNITY",
    "ESCALATION_TARGETS",
    "GRID",
    "STREET",
    "escalate_to",
    "escalate_to_problem",
    "escalation_target",
]


def _active_policies() -> tuple[SlaPolicy, ...]:
    """Every active policy, newest first, with its targets (cached reference data)."""

    def load() -> tuple[SlaPolicy, ...]:
        return tuple(
            SlaPolicy.objects.filter(is_active=True)
            .prefetch_related("targets")
            .order_by("-effective_from", "-id")
        )

    return refdata.get(REFDATA_SLA, "active", load)


def category_by_code(code: str) -> Category | None:
    """An active category by its code, with its parent (cached reference data)."""

    def load() -> Category | None:
        return Category.objects.select_related("parent").filter(code=code, is_active=True).first()

    return refdata.get(REFDATA_CATEGORIES, code, load)


def sla_policy_for(*, place: Any, at: dt.datetime | None = None) -> SlaPolicy:
    """The most specific active policy for a place: community, street, district, city, default."""
    at = at or timezone.now()
    region_ids = [
        getattr(place, f"{level}_id", None) for level in ("community", "street", "district", "city")
    ]
    candidates = [p for p in _active_policies() if p.effective_from <= at]
    # Newest first within each level; the first level that has one wins.
    for region_id in [*(r for r in region_ids if r), None]:
        for policy in candidates:
            if policy.region_id == region_id:
                return policy
    return default_policy()


def default_policy() -> SlaPolicy:
    """The platform default (Jinghe 5341): the active policy of no region.

    Seeded by migration ``requests.0010_seed_default_sla_policy``
    (``defaults.install_default_policy``) and edited in the
    admin; a read never creates it. Without one (an administrator deactivated it and
    no regional policy covers the place) filing cannot compute deadlines: a clear 503.
    """
    policy = SlaPolicy.objects.filter(region__isnull=True, is_active=True).first()
    if policy is None:
        raise ApplicationError(
            RequestError.NO_DEFAULT_POLICY,
            _("没有生效的平台默认时限规则：请在管理后台启用一条不限区域的时限规则"),
            status=503,
        )
    return policy


def sla_snapshot(policy: SlaPolicy, *, severity: str, urgent: bool) -> dict[str, Any]:
    """The clocks a new request is judged by, frozen at filing (``requests.sla``).

    Minutes go under the clock's name, working days under ``"working_days"``; the
    policy's calendar (urgent or standard) under ``"calendar"`` and a target's own
    under ``"calendars"``. Calendars are copied from reference data (no query);
    their holiday table is named, not copied.
    """
    targets = [t for t in policy.targets.all() if t.severity == severity]
    minutes: dict[str, int] = {}
    days: dict[str, int] = {}
    own: dict[str, Any] = {}
    for t in targets:
        if t.unit == TargetUnit.WORKING_DAYS and t.working_days:
            days[t.clock] = t.working_days
        elif t.minutes:
            minutes[t.clock] = t.minutes
        if t.calendar_id is not None:
            own[t.clock] = calendar_spec(t.calendar_id)
    if not targets:
        minutes = dict(DEFAULT_5341[severity])
        for (sev, clock), (n, code) in DEFAULT_5341_DAYS.items():
            if sev == severity:
                days[clock] = n
                own[clock] = calendar_spec_by_code(code)
    calendar_id = policy.urgent_calendar_id if urgent else policy.standard_calendar_id
    return {
        **minutes,
        "working_days": days,
        "calendar": calendar_spec(calendar_id),
        "calendars": own,
        "warn_ratio": float(policy.warn_ratio),
        "escalate": list(policy.escalate_after_minutes or []),
        "escalate_in": policy.escalate_in,
        "escalate_to": list(policy.escalate_to or DEFAULT_ESCALATE_TO),
        "respond_event": policy.respond_event,
        "max_reopens": policy.max_reopens,
        "policy": policy.pk,
        "version": SNAPSHOT_VERSION,
    }


@dataclass(frozen=True)
class Route:
    org: Org | None
    auto_dispatch: bool
    assignment: str
    reason: str


def _rules() -> dict[tuple[int, int | None], RoutingRule]:
    """Routing rules by (category, region), with their units (cached reference data)."""

    def load() -> dict[tuple[int, int | None], RoutingRule]:
        return {(r.category_id, r.region_id): r for r in RoutingRule.objects.select_related("org")}

    return refdata.get(REFDATA_ROUTING, "rules", load)


def _rule_for(category: Category, place: Any) -> RoutingRule | None:
    region_ids = [
        getattr(place, f"{level}_id", None) for level in ("community", "street", "district", "city")
    ]
    rules = _rules()
    # The nearest level first, the global rules last; at each level the category's
    # own rule before its parent's.
    for region_id in [*(r for r in region_ids if r), None]:
        for category_id in (category.pk, category.parent_id):
            if category_id is not None and (category_id, region_id) in rules:
                return rules[(category_id, region_id)]
    return None


def community_office(community_id: int | None) -> Org | None:
    """The community's own desk (residents' committee): disputes, consultations, 兜底."""
    if community_id is None:
        return None

    def load() -> Org | None:
        return Org.objects.filter(
            kind=OrgKind.RESIDENTS_COMMITTEE, community_id=community_id, is_active=True
        ).first()

    return refdata.get(REFDATA_ORGS, ("office", community_id), load)


def _cobuilding_unit(category: Category, place: Any) -> Org | None:
    """The co-building unit of the street (or community) that takes ``category``."""

    def load() -> Org | None:
        return (
            Org.objects.filter(kind=OrgKind.COBUILDING_UNIT, is_active=True)
            .filter(Q(categories=category) | Q(unit_type=category.unit_type or "-"))
            .filter(Q(street_id=place.street_id) | Q(community_id=place.community_id))
            .order_by("id")
            .first()
        )

    key = ("unit", category.pk, place.street_id, place.community_id)
    return refdata.get(REFDATA_ORGS, key, load)


def route_for(*, category: Category, place: Any, compound: Any = None) -> Route:
    """Where a request of ``category`` filed at ``place`` should go.

    A routing rule for the place (community, then street, district, city, then
    global) wins; otherwise the matter decides: property matters go to the
    compound's property company (or the community's safeguard service when the
    compound has none), community matters to the community office, unit matters to
    a co-building unit of the right type in the street.
    """
    rule = _rule_for(category, place)
    if rule is not None and rule.org is not None:
        return Route(
            rule.org, rule.auto_dispatch, rule.assignment, pgettext("route reason", "派单规则")
        )
    auto = bool(rule and rule.auto_dispatch)
    assignment = rule.assignment if rule else AssignmentMode.GRID_WORKER
    if category.matter == Matter.PROPERTY:
        if compound is not None and compound.company_id:
            return Route(
                compound.company, auto, assignment, pgettext("route reason", "小区物业企业")
            )
        return Route(
            community_office(place.community_id),
            auto,
            assignment,
            pgettext("route reason", "无物业小区，社区兜底"),
        )
    if category.matter == Matter.UNIT:
        unit = _cobuilding_unit(category, place)
        if unit is not None:
            return Route(unit, auto, AssignmentMode.NONE, pgettext("route reason", "辖区单位"))
    return Route(
        community_office(place.community_id),
        auto,
        AssignmentMode.NONE,
        pgettext("route reason", "社区办理"),
    )


# --- assignment (派单到人) -------------------------------------------------------------
#
# docs/adr/0005-duty-roster-and-assignment.md defines the terms used here.
#
# * On duty (在岗): the person has a maintenance shift of the handling company on the
#   duty roster (redprop.duty) that is running now (clock.now()).
# * Busy (有单在手): the person is the assignee of an order that needs them on site
#   now: dispatched to them and not yet accepted, accepted (on the way) or on site.
#   Orders waiting for a plan or for the resident do not make anyone busy.
# * Open orders (未办结): their orders in any OPEN_STATES, the measure of load.

BUSY_STATES = frozenset({Status.DISPATCHED, Status.ACCEPTED, Status.ON_SITE})

# How near an on-duty worker is to the request, from the place of their shift
# (lower is nearer). The grid's own worker first, then anyone rostered for the same
# grid (or holding the grid's maintenance role on a community shift), the rest of
# the community, the community's on-call, the street's on-call, then other
# communities of the street.
TIER_OWN, TIER_GRID, TIER_COMMUNITY, TIER_ONCALL_COMMUNITY = 0, 1, 2, 3
TIER_ONCALL_STREET, TIER_STREET, TIER_FAR = 4, 5, 6
_NEAR_TIERS = TIER_ONCALL_COMMUNITY  # up to here counts as "this community"


@dataclass(frozen=True)
class Candidate:
    """An on-duty worker as the policy sees them at this instant."""

    user: Any
    tier: int
    open: int
    busy: int


def _tier(shift: Any, request: ServiceRequest, *, own: bool, grid_role: bool) -> int:
    from redprop.duty.choices import ShiftKind

    if shift.kind == ShiftKind.ON_CALL:
        if shift.community_id is not None:
            return TIER_ONCALL_COMMUNITY if shift.community_id == request.community_id else TIER_FAR
        return TIER_ONCALL_STREET
    if shift.community_id != request.community_id:
        return TIER_STREET
    here = shift.grid_id is None or shift.grid_id == request.grid_id
    if own and here:
        return TIER_OWN
    if request.grid_id is not None and (
        shift.grid_id == request.grid_id or (shift.grid_id is None and grid_role)
    ):
        return TIER_GRID
    return TIER_COMMUNITY


def _with_loads(user_ids: list[int], request: ServiceRequest) -> list[Any]:
    """The active users among ``user_ids`` with ``n_open`` and ``n_busy`` (their orders
    other than ``request``), ``own`` (the request's grid's maintenance worker) and
    ``grid_role`` (holds that grid's maintenance role). One query on the
    ``req_assignee_status`` index; hand-written because this runs on every intake and
    the ORM's compilation of four correlated subqueries cost more CPU than the query
    (docs/adr/0005-duty-roster-and-assignment.md)."""
    from redprop.accounts.models import RoleAssignment, User
    from redprop.territory.models import Grid

    def marks(values: Any) -> str:
        return ", ".join(["%s"] * len(values))

    open_states, busy_states = sorted(OPEN_STATES), sorted(BUSY_STATES)
    orders = ServiceRequest._meta.db_table
    sql = f"""
        SELECT u.*,
          (SELECT COUNT(*) FROM {orders} r WHERE r.assignee_id = u.id
             AND r.status IN ({marks(open_states)}) AND r.id <> %s) AS n_open,
          (SELECT COUNT(*) FROM {orders} r WHERE r.assignee_id = u.id
             AND r.status IN ({marks(busy_states)}) AND r.id <> %s) AS n_busy,
          EXISTS (SELECT 1 FROM {Grid._meta.db_table} g
             WHERE g.id = %s AND g.maintenance_worker_id = u.id) AS own,
          EXISTS (SELECT 1 FROM {RoleAssignment._meta.db_table} a WHERE a.user_id = u.id
             AND a.role = %s AND a.grid_id = %s AND a.revoked_at IS NULL) AS grid_role
        FROM {User._meta.db_table} u
        WHERE u.id IN ({marks(user_ids)}) AND u.is_active
        ORDER BY u.id
    """  # noqa: S608 - table names from the models' meta, every value a parameter
    this = request.pk or 0
    params = [
        *open_states,
        this,
        *busy_states,
        this,
        request.grid_id or 0,
        Role.MAINTENANCE_WORKER,
        request.grid_id or 0,
        *user_ids,
    ]
    return list(User.objects.raw(sql, params))


def on_duty_candidates(*, request: ServiceRequest, org: Org) -> list[Candidate]:
    """The handling company's maintenance workers on duty now, nearest first, with their
    open and busy order counts. Two indexed queries when someone is on duty (the
    roster; the users with their counts), one when nobody is (or no roster)."""
    from redprop.core import clock
    from redprop.duty.selectors import shifts_on_duty

    shifts = shifts_on_duty(org_id=org.pk, street_id=request.street_id, at=clock.now())
    if not shifts:
        return []
    by_id = {u.pk: u for u in _with_loads(sorted({s.user_id for s in shifts}), request)}
    best: dict[int, Candidate] = {}
    for shift in shifts:
        user = by_id.get(shift.user_id)
        if user is None:
            continue
        tier = _tier(shift, request, own=bool(user.own), grid_role=bool(user.grid_role))
        if user.pk not in best or tier < best[user.pk].tier:
            best[user.pk] = Candidate(user, tier, int(user.n_open), int(user.n_busy))
    return sorted(best.values(), key=lambda c: (c.tier, c.open, c.user.pk))


def pick_on_duty(candidates: list[Candidate]) -> Candidate:
    """The nearest free worker in the community or on call for it or the street
    (fewest open orders, then lowest id, among equals); when all of those are busy,
    the worker with the fewest open orders in the nearest place that has anyone on
    duty (this community, else the street), nearest among equals. A free worker of
    another community is chosen only when nobody of this community (or on call for
    it) is on duty."""
    free = [c for c in candidates if not c.busy and c.tier <= TIER_ONCALL_STREET]
    if free:
        return min(free, key=lambda c: (c.tier, c.open, c.user.pk))
    near = [c for c in candidates if c.tier <= _NEAR_TIERS] or candidates
    return min(near, key=lambda c: (c.open, c.tier, c.user.pk))


def _company_people_q(request: ServiceRequest, org: Org, *, person: str, grid: str) -> Q:
    """The company's people for ``request`` (the one rule of ``_candidate_workers`` and
    ``eligible_assignees``): a current member of the company, or on a grid of the
    request's community covering a building it serves — unless a current membership
    says they work for another property company (a recorded employer is
    authoritative, as in ``permissions.works_for``). ``person`` and ``grid`` are the
    lookups from the filtered model to the person and the role's grid."""
    from redprop.orgs.models import OrgMembership
    from redprop.territory.models import Building

    serving = Building.objects.filter(
        community_id=request.community_id, compound__company=org, grid_id__isnull=False
    ).values("grid_id")
    current = OrgMembership.objects.filter(ended_on__isnull=True, person_id=OuterRef(person))
    employed = Exists(current.filter(org=org))
    elsewhere = Exists(current.filter(org__kind=OrgKind.PROPERTY_COMPANY).exclude(org=org))
    return (Q(**{f"{grid}__in": serving}) & ~elsewhere) | employed


def _candidate_workers(request: ServiceRequest, org: Org) -> list[Any]:
    """The company's maintenance workers of the request's community, in a stable order,
    each with ``in_grid``: holds the maintenance role of the request's grid. The
    company's: on a grid covering a building it serves, or its member (as
    ``eligible_assignees``), so an order never goes to another company's worker."""
    from redprop.accounts.models import RoleAssignment, User

    workers = User.objects.filter(
        _company_people_q(request, org, person="person_id", grid="roles__grid_id"),
        is_active=True,
        roles__role=Role.MAINTENANCE_WORKER,
        roles__revoked_at__isnull=True,
        roles__grid__community_id=request.community_id,
    )
    if request.grid_id is not None:
        workers = workers.annotate(
            in_grid=Exists(
                RoleAssignment.objects.filter(
                    user_id=OuterRef("pk"),
                    role=Role.MAINTENANCE_WORKER,
                    grid_id=request.grid_id,
                    revoked_at__isnull=True,
                )
            )
        )
    return list(workers.distinct().order_by("id"))


def _distance(worker: Any) -> int:
    return 0 if getattr(worker, "in_grid", False) else 1


def assignee_for(*, request: ServiceRequest, org: Org | None, mode: str) -> Any:
    """Who inside the unit gets the order (None: the unit's staff claim it).

    For a property company with a duty roster (redprop.duty) in the request's street,
    only workers on duty now are considered while anyone is. ``grid_worker``: the
    grid's own worker when on duty and free, else the nearest free one on duty (same
    grid, same community, the community's then the street's on-call), else, all
    being busy, the one with the fewest open orders nearby (``pick_on_duty``).
    ``least_loaded``: fewest open orders, nearest among equals. ``round_robin``: the
    next after the community's last assignee, starting nearest. With no roster, or
    nobody on duty, the modes work as before the roster: the grid's worker
    (``Grid.maintenance_worker``), else the community's maintenance workers (same
    grid first among equals).
    """
    if org is None or org.kind != OrgKind.PROPERTY_COMPANY or mode == AssignmentMode.NONE:
        return None
    on_duty = on_duty_candidates(request=request, org=org)
    if mode == AssignmentMode.GRID_WORKER:
        if on_duty:
            return pick_on_duty(on_duty).user
        grid = request.grid
        # The grid's worker works for the company serving the compound: another
        # company's order in the grid goes to that company's own people.
        compound = request.compound if request.compound_id is not None else None
        serves = compound is not None and compound.company_id == org.pk
        if grid is not None and grid.maintenance_worker_id and serves:
            return grid.maintenance_worker
        mode = AssignmentMode.LEAST_LOADED
    if on_duty:
        near = [c for c in on_duty if c.tier <= _NEAR_TIERS] or on_duty
        workers = [c.user for c in sorted(near, key=lambda c: c.user.pk)]
        distance = {c.user.pk: c.tier for c in near}
        load = {c.user.pk: c.open for c in near}
    else:
        workers = _candidate_workers(request, org)
        if not workers:
            return None
        distance = {w.pk: _distance(w) for w in workers}
        load = {}
    if mode == AssignmentMode.ROUND_ROBIN:
        last = (
            ServiceRequest.objects.filter(community_id=request.community_id, assignee__in=workers)
            .exclude(pk=request.pk)
            .order_by("-id")
            .values_list("assignee_id", flat=True)
            .first()
        )
        ids = [w.pk for w in workers]
        if last in ids:
            return workers[(ids.index(last) + 1) % len(ids)]
        return min(workers, key=lambda w: (distance[w.pk], w.pk))
    if not on_duty:
        load = open_orders([w.pk for w in workers])
    return min(workers, key=lambda w: (load.get(w.pk, 0), distance[w.pk], w.pk))


def open_orders(user_ids: list[int]) -> dict[int, int]:
    """How many open orders (``OPEN_STATES``) each of ``user_ids`` is the assignee of
    (absent: none). One query."""
    return dict(
        ServiceRequest.objects.filter(assignee_id__in=user_ids, status__in=OPEN_STATES)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )


def dispatch_units(*, request: ServiceRequest) -> QuerySet[Org]:
    """Units a request may be sent to: the place's property companies, the street's
    co-building units and the community's residents' committee.
    """
    served = Q(kind=OrgKind.PROPERTY_COMPANY) & (
        Q(served_compounds__community_id=request.community_id)
        | Q(pk=getattr(request.compound, "company_id", None) or 0)
    )
    units = Q(kind=OrgKind.COBUILDING_UNIT) & (
        Q(street_id=request.street_id) | Q(community_id=request.community_id)
    )
    committee = Q(kind=OrgKind.RESIDENTS_COMMITTEE, community_id=request.community_id)
    return Org.objects.filter(is_active=True).filter(served | units | committee).distinct()


def eligible_assignees(*, request: ServiceRequest, org: Org) -> Any:
    """The role assignments of the people who may be named as handler (指定处理人) of
    ``request`` in ``org`` — the rule both the dispatch service and the console's
    list apply.

    * A property company (物业企业): the maintenance workers (维修人员) and butlers
      (物业管家) holding a role on a grid of the request's community, where the grid
      covers a building of a compound the company serves, or the person works for
      the company (a current ``OrgMembership``).
    * Any other unit: the staff whose role is anchored to it; for a residents'
      committee (居委会) also the community staff of its community.

    Active users with unrevoked roles only.
    """
    from redprop.accounts.models import RoleAssignment

    roles = RoleAssignment.objects.filter(revoked_at__isnull=True, user__is_active=True)
    if org.kind == OrgKind.PROPERTY_COMPANY:
        return roles.filter(
            role__in=(Role.GRID_BUTLER, Role.MAINTENANCE_WORKER),
            grid__community_id=request.community_id,
        ).filter(_company_people_q(request, org, person="user__person_id", grid="grid_id"))
    anchored = Q(org=org, role__in=(Role.COMPANY_STAFF, Role.UNIT_STAFF))
    if org.kind == OrgKind.RESIDENTS_COMMITTEE and org.community_id:
        anchored |= Q(role=Role.COMMUNITY_STAFF, region_id=org.community_id)
    return roles.filter(anchored)
