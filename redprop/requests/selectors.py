"""Reads of service requests. Scope first; fixed query counts whatever the data size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.requests import search, stats
from redprop.requests.choices import CLOSED_STATES, DISPATCH_QUEUE_STATES, Status
from redprop.requests.models import (
    MonthlyStats,
    RequestEvent,
    RequestPhoto,
    ServiceRequest,
)

LIST_RELATED = ("category", "compound", "handling_org", "assignee")


@dataclass(frozen=True)
class RequestFilters:
    status: list[str] | None = None
    category: str | None = None  # code; a parent code matches its children
    community_id: int | None = None
    grid_id: int | None = None
    compound_id: int | None = None
    org_id: int | None = None
    assignee_id: int | None = None
    filed_from: dt.date | None = None
    filed_to: dt.date | None = None
    overdue: bool | None = None
    q: str | None = None
    queue: str | None = None  # new / returned / warning / breached / reopened


def request_list(
    *, scope: Scope | ScopeSet, filters: RequestFilters | None = None
) -> QuerySet[ServiceRequest]:
    """Requests in scope, newest first, with what a list row shows (no N+1)."""
    f = filters or RequestFilters()
    qs = scoped(ServiceRequest.objects.select_related(*LIST_RELATED), scope)
    if f.status:
        qs = qs.filter(status__in=f.status)
    if f.category:
        qs = qs.filter(Q(category__code=f.category) | Q(category__parent__code=f.category))
    for key in ("community_id", "grid_id", "compound_id", "assignee_id"):
        if getattr(f, key):
            qs = qs.filter(**{key: getattr(f, key)})
    if f.org_id:
        qs = qs.filter(handling_org_id=f.org_id)
    if f.filed_from:
        qs = qs.filter(created_at__gte=_day_start(f.filed_from))
    if f.filed_to:
        qs = qs.filter(created_at__lt=_day_start(f.filed_to + dt.timedelta(days=1)))
    if f.overdue is not None:
        qs = (
            qs.filter(_overdue_q(timezone.now()))
            if f.overdue
            else qs.exclude(_overdue_q(timezone.now()))
        )
    if f.q:
        term = f.q.strip()
        if term.upper().startswith("RP") and term[2:].isdigit():
            qs = qs.filter(pk=int(term[2:]))
        else:
            qs = search.filter_description(qs, term)
    if f.queue:
        qs = qs.filter(queue_q(f.queue, timezone.now()))
    return qs.order_by("-id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _overdue_q(now: dt.datetime) -> Q:
    open_q = ~Q(status__in=[*CLOSED_STATES, Status.RESOLVED, Status.RATED])
    return open_q & (
        Q(responded_at__isnull=True, respond_due_at__lt=now)
        | Q(resolved_at__isnull=True, resolve_due_at__lt=now)
        | Q(status=Status.PLAN_REQUIRED, plan_due_at__lt=now)
    )


def queue_q(name: str, now: dt.datetime) -> Q:
    """The dispatcher's queues."""
    if name == "new":
        return Q(status=Status.SUBMITTED)
    if name == "returned":
        return Q(status=Status.RETURNED)
    if name == "reopened":
        return Q(status=Status.REOPENED)
    if name == "escalated":
        return Q(status=Status.ESCALATED) | Q(escalation_level__gt=0, status__in=_working())
    if name == "breached":
        return _overdue_q(now)
    if name == "warning":
        return Q(checkpoints__key__startswith="warn:", status__in=_working()) & ~_overdue_q(now)
    if name == "dispatch":
        return Q(status__in=DISPATCH_QUEUE_STATES)
    return Q()


def _working() -> list[str]:
    return [
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.ON_SITE,
        Status.PLAN_REQUIRED,
        Status.PLAN_SUBMITTED,
    ]


def after_cursor(
    qs: QuerySet[ServiceRequest], cursor: int | None, limit: int
) -> tuple[list[ServiceRequest], int | None]:
    """Keyset pagination on id (stable and O(limit) at any depth)."""
    if cursor:
        qs = qs.filter(pk__lt=cursor)
    rows = list(qs[: limit + 1])
    nxt = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], nxt


def request_get(*, scope: Scope | ScopeSet, request_id: int) -> ServiceRequest | None:
    """One request with its timeline and photos: three queries."""
    qs = scoped(
        ServiceRequest.objects.select_related(*LIST_RELATED, "reporter").prefetch_related(
            Prefetch(
                "events",
                queryset=RequestEvent.objects.select_related("actor", "org").order_by("at", "id"),
            ),
            Prefetch("photos", queryset=RequestPhoto.objects.order_by("id")),
        ),
        scope,
    ).filter(pk=request_id)
    return qs.first()


def my_orders(*, user: Any) -> QuerySet[ServiceRequest]:
    """A worker's orders: assigned to them, or their grid's/unit's unclaimed ones, by deadline."""
    from redprop.accounts.choices import Role
    from redprop.orgs.choices import OrgKind

    org_scope = user.scope_set(Role.COMPANY_STAFF, Role.UNIT_STAFF)
    grid_scope = user.scope_set(Role.GRID_BUTLER, Role.MAINTENANCE_WORKER)
    active = [
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.ON_SITE,
        Status.PLAN_REQUIRED,
        Status.PLAN_SUBMITTED,
        Status.WAITING_ON_RESIDENT,
        Status.REOPENED,
    ]
    qs = ServiceRequest.objects.select_related(*LIST_RELATED).filter(status__in=active)
    # A grid's staff claim only what their grid's company or the community handles,
    # not a water company's order that happens to be in their grid.
    grid_orders = grid_scope.q_for(ServiceRequest) & Q(
        handling_org__kind__in=[OrgKind.PROPERTY_COMPANY, OrgKind.RESIDENTS_COMMITTEE]
    )
    unclaimed = (org_scope.q_for(ServiceRequest) | grid_orders) & Q(assignee__isnull=True)
    qs = qs.filter(Q(assignee=user) | unclaimed)
    return qs.order_by("respond_due_at", "resolve_due_at", "id")


# --- rates -----------------------------------------------------------------------

LEVEL_COLUMNS = {
    "city": "city_id",
    "district": "district_id",
    "street": "street_id",
    "community": "community_id",
    "grid": "grid_id",
    "org": "org_id",
    "category": "category_id",
    "month": "month",
}


def stats_cells(
    *, scope: Scope | ScopeSet, month_from: dt.date, month_to: dt.date
) -> QuerySet[MonthlyStats]:
    """Rollup cells in scope (org scopes see the cells of their own unit)."""
    qs = MonthlyStats.objects.filter(month__gte=month_from, month__lte=month_to)
    scopes = [scope] if isinstance(scope, Scope) else list(scope)
    if not scopes:
        return qs.none()
    q = Q(pk__in=[])
    for s in scopes:
        if s.kind == "all":
            return qs
        if s.kind == "org":
            q |= Q(org_id=s.node_id)
        elif s.kind != "resident":
            q |= Q(**{f"{s.kind}_id": s.node_id})
    return qs.filter(q)


def rates(
    *,
    scope: Scope | ScopeSet,
    month_from: dt.date,
    month_to: dt.date,
    group_by: str | None = None,
    basic_weight: Any = 1,
) -> list[dict[str, Any]]:
    """The three rates (and 5341 compliance) from the rollups, grouped by a level or month."""
    from decimal import Decimal

    cells = stats_cells(scope=scope, month_from=month_from, month_to=month_to)
    weight = Decimal(str(basic_weight))
    if group_by is None:
        row = stats.clean(stats.sum_counters(cells))
        return [{"key": None, **stats.Rates(row, weight).as_dict()}]
    column = LEVEL_COLUMNS[group_by]
    out = []
    for row in stats.sum_counters(cells.exclude(**{f"{column}__isnull": True}), [column]):
        out.append({"key": row[column], **stats.Rates(stats.clean(row), weight).as_dict()})
    return out


def rates_naive(
    *, scope: Scope | ScopeSet, month_from: dt.date, month_to: dt.date, basic_weight: Any = 1
) -> dict[str, Any]:
    """The same figures computed from the raw requests and timeline (for tests and the
    dashboard benchmark's baseline). Slow by design: it scans every request in scope.
    """
    from decimal import Decimal

    from redprop.requests.choices import EventKind

    start = _day_start(month_from)
    end_month = (month_to.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    qs = scoped(ServiceRequest.objects.all(), scope).filter(
        created_at__gte=start, created_at__lt=_day_start(end_month)
    )
    c = dict.fromkeys(stats.SCORE_COUNTER.values(), 0)
    c.update(
        filed=0,
        dispatched=0,
        withdrawn=0,
        responded=0,
        responded_on_time=0,
        resolved=0,
        resolved_on_time=0,
        breached=0,
        returned=0,
        reopened=0,
        escalated=0,
        rated_or_revisited=0,
        solved_confirmed=0,
        rated=0,
    )
    reqs = list(
        qs.prefetch_related(
            Prefetch("events", queryset=RequestEvent.objects.order_by("at", "id")), "ratings"
        )
    )
    ends = {EventKind.RETURNED, EventKind.CANCELLED, EventKind.MERGED, EventKind.ESCALATED}
    for r in reqs:
        c["filed"] += 1
        c["breached"] += int(r.breached)
        c["reopened"] += r.reopen_count
        c["escalated"] += int(r.escalation_level > 0)
        respond_kind = (
            EventKind.ACCEPTED if r.sla.get("respond_event") == "accepted" else EventKind.ARRIVED
        )
        responded = outstanding = False
        for e in r.events.all():
            if not responded and (
                e.kind == respond_kind
                or (respond_kind == EventKind.ARRIVED and e.kind == EventKind.RESOLVED)
            ):
                responded, outstanding = True, False
            if e.kind == EventKind.DISPATCHED:
                c["withdrawn"] += int(outstanding)
                c["dispatched"] += int(not responded)
                outstanding = not responded
            elif e.kind in ends:
                c["withdrawn"] += int(outstanding)
                c["returned"] += int(e.kind == EventKind.RETURNED)
                outstanding = False
        if r.responded_at is not None:
            c["responded"] += 1
            c["responded_on_time"] += int(
                r.respond_due_at is None or r.responded_at <= r.respond_due_at
            )
        if r.resolved_at is not None:
            last = [e for e in r.events.all() if e.kind == EventKind.RESOLVED][-1]
            c["resolved"] += 1
            c["resolved_on_time"] += int(bool(last.data.get("on_time")))
        for x in r.ratings.all():
            if x.superseded:
                continue
            c["rated_or_revisited"] += 1
            c["solved_confirmed"] += int(x.solved)
            if x.score is not None:
                c["rated"] += 1
                c[stats.SCORE_COUNTER[x.score]] += 1
    return stats.Rates(c, Decimal(str(basic_weight))).as_dict()
