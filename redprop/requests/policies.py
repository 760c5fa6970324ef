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

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import pgettext

from redprop.accounts.choices import Role
from redprop.core import refdata
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org
from redprop.requests.choices import (
    OPEN_STATES,
    AssignmentMode,
    Clock,
    Matter,
    Severity,
)
from redprop.requests.models import Category, RoutingRule, ServiceRequest, SlaPolicy

# Reference-data namespaces (redprop.core.refdata); the app config clears them when
# their models change.
REFDATA_SLA = "requests.sla"
REFDATA_ROUTING = "requests.routing"
REFDATA_ORGS = "requests.orgs"
REFDATA_CATEGORIES = "requests.categories"

# Jinghe street's "5341", the platform default (DOMAIN.md §3): arrive within
# 5 minutes and solve within 30; a major problem within 4 hours; a special
# complex problem gets a written plan within 1 day.
DEFAULT_5341: dict[str, dict[str, int]] = {
    Severity.NORMAL: {Clock.RESPOND: 5, Clock.RESOLVE: 30},
    Severity.MAJOR: {Clock.RESPOND: 5, Clock.RESOLVE: 4 * 60},
    Severity.COMPLEX: {Clock.RESPOND: 5, Clock.PLAN: 24 * 60},
}


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
    """The platform default (Jinghe 5341), created on first use."""
    policy = SlaPolicy.objects.filter(region__isnull=True, is_active=True).first()
    if policy is None:
        from redprop.requests.models import SlaTarget

        policy = SlaPolicy.objects.create(
            name="径河街道“5341”快速响应（平台默认）",
            effective_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            escalate_after_minutes=[0, 30, 120],
        )
        SlaTarget.objects.bulk_create(
            [
                SlaTarget(policy=policy, severity=sev, clock=clock, minutes=minutes)
                for sev, clocks in DEFAULT_5341.items()
                for clock, minutes in clocks.items()
            ]
        )
    return policy


def sla_snapshot(policy: SlaPolicy, *, severity: str, urgent: bool) -> dict[str, Any]:
    """The clocks a new request is judged by, frozen at filing."""
    targets = {t.clock: t.minutes for t in policy.targets.all() if t.severity == severity}
    if not targets:
        targets = dict(DEFAULT_5341[severity])
    return {
        **targets,
        "calendar": policy.urgent_calendar if urgent else policy.standard_calendar,
        "warn_ratio": float(policy.warn_ratio),
        "escalate": list(policy.escalate_after_minutes or []),
        "respond_event": policy.respond_event,
        "max_reopens": policy.max_reopens,
        "policy": policy.pk,
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


def _candidate_workers(request: ServiceRequest) -> list[Any]:
    """Maintenance workers of the request's community, in a stable order."""
    from redprop.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            roles__role=Role.MAINTENANCE_WORKER,
            roles__revoked_at__isnull=True,
            roles__grid__community_id=request.community_id,
        )
        .distinct()
        .order_by("id")
    )


def assignee_for(*, request: ServiceRequest, org: Org | None, mode: str) -> Any:
    """Who inside the unit gets the order (None: the unit's staff claim it)."""
    if org is None or org.kind != OrgKind.PROPERTY_COMPANY or mode == AssignmentMode.NONE:
        return None
    if mode == AssignmentMode.GRID_WORKER:
        grid = request.grid
        if grid is not None and grid.maintenance_worker_id:
            return grid.maintenance_worker
        mode = AssignmentMode.LEAST_LOADED
    workers = _candidate_workers(request)
    if not workers:
        return None
    if mode == AssignmentMode.ROUND_ROBIN:
        last = (
            ServiceRequest.objects.filter(community_id=request.community_id, assignee__in=workers)
            .exclude(pk=request.pk)
            .order_by("-id")
            .values_list("assignee_id", flat=True)
            .first()
        )
        ids = [w.pk for w in workers]
        nxt = (ids.index(last) + 1) % len(ids) if last in ids else 0
        return workers[nxt]
    load = dict(
        ServiceRequest.objects.filter(assignee__in=workers, status__in=OPEN_STATES)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return min(workers, key=lambda w: (load.get(w.pk, 0), w.pk))


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
    from django.db.models import Exists, OuterRef

    from redprop.accounts.models import RoleAssignment
    from redprop.orgs.models import OrgMembership
    from redprop.territory.models import Building

    roles = RoleAssignment.objects.filter(revoked_at__isnull=True, user__is_active=True)
    if org.kind == OrgKind.PROPERTY_COMPANY:
        serving = Building.objects.filter(
            community_id=request.community_id, compound__company=org, grid_id__isnull=False
        ).values("grid_id")
        employed = Exists(
            OrgMembership.objects.filter(
                org=org, ended_on__isnull=True, person_id=OuterRef("user__person_id")
            )
        )
        return roles.filter(
            role__in=(Role.GRID_BUTLER, Role.MAINTENANCE_WORKER),
            grid__community_id=request.community_id,
        ).filter(Q(grid_id__in=serving) | employed)
    anchored = Q(org=org, role__in=(Role.COMPANY_STAFF, Role.UNIT_STAFF))
    if org.kind == OrgKind.RESIDENTS_COMMITTEE and org.community_id:
        anchored |= Q(role=Role.COMMUNITY_STAFF, region_id=org.community_id)
    return roles.filter(anchored)
