"""Reads of service requests. Scope first; fixed query counts whatever the data size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.requests import search, stats
from redprop.requests.choices import CLOSED_STATES, DISPATCH_QUEUE_STATES, Status
from redprop.requests.models import (
    CommunityMonthStats,
    MonthlyStats,
    RequestEvent,
    RequestPhoto,
    ServiceRequest,
)

if TYPE_CHECKING:
    from redprop.accounts.models import User

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
    qs: QuerySet[ServiceRequest], cursor: int | None, limit: int, *, ascending: bool = False
) -> tuple[list[ServiceRequest], int | None]:
    """Keyset pagination on id (stable and O(limit) at any depth).

    ``qs`` is ordered by id, newest first (or oldest first with ``ascending``);
    ``cursor`` is the last id of the previous page and the next cursor is the last
    id of this page (None on the last page).
    """
    if cursor:
        qs = qs.filter(pk__gt=cursor) if ascending else qs.filter(pk__lt=cursor)
    rows = list(qs[: limit + 1])
    nxt = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], nxt


def through_cursor(
    qs: QuerySet[ServiceRequest],
    cursor: int | None,
    *,
    at_least: int,
    at_most: int,
    after: int | None = None,
    ascending: bool = False,
) -> tuple[list[ServiceRequest], int | None]:
    """The rows a page of keyset pages shows, read again: from the start (or from
    after ``after``) through ``cursor`` inclusive, but never fewer than ``at_least``
    rows nor more than ``at_most``. Returns the rows and the cursor of the page after
    them (None if nothing follows).

    A list that loaded several pages and re-reads them (a live queue's polling) keeps
    every row it loaded that still qualifies, shows the rows that arrived in between,
    and continues with ``after_cursor`` from the returned cursor: no OFFSET, no
    duplicates, no gaps. Two queries.
    """
    if after:
        qs = qs.filter(pk__gt=after) if ascending else qs.filter(pk__lt=after)
    if cursor:
        upto = qs.filter(pk__lte=cursor) if ascending else qs.filter(pk__gte=cursor)
        rows = list(upto[:at_most])
        if len(rows) >= at_least:
            last = rows[-1].pk
            beyond = qs.filter(pk__gt=last) if ascending else qs.filter(pk__lt=last)
            return rows, last if beyond.exists() else None
    return after_cursor(qs, None, at_least, ascending=ascending)


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


def my_orders(*, user: User) -> QuerySet[ServiceRequest]:
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


# Groupings that CommunityMonthStats can answer (it has no grid and no unit split).
COMMUNITY_LEVELS = frozenset({None, "city", "district", "street", "community", "category", "month"})
TERRITORY_KINDS = frozenset({"city", "district", "street", "community"})


def stats_cells(
    *,
    scope: Scope | ScopeSet,
    month_from: dt.date,
    month_to: dt.date,
    model: type[MonthlyStats] | type[CommunityMonthStats] = MonthlyStats,
) -> QuerySet[Any]:
    """Rollup cells in scope (org scopes see the cells of their own unit)."""
    qs = model.objects.filter(month__gte=month_from, month__lte=month_to)
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


def _community_cells_serve(scope: Scope | ScopeSet, group_by: str | None) -> bool:
    """Whether the coarser rollup gives the same sums: no grid or unit in the grouping,
    and only whole territories (or everything) in the scope."""
    scopes = [scope] if isinstance(scope, Scope) else list(scope)
    return (
        group_by in COMMUNITY_LEVELS
        and bool(scopes)
        and all(s.kind == "all" or s.kind in TERRITORY_KINDS for s in scopes)
    )


def rates(
    *,
    scope: Scope | ScopeSet,
    month_from: dt.date,
    month_to: dt.date,
    group_by: str | None = None,
    basic_weight: Any = 1,
) -> list[dict[str, Any]]:
    """The three rates (and 5341 compliance) from the rollups, grouped by a level or month.

    Read from ``CommunityMonthStats`` when the grouping and scope allow (a city's
    year is ~5 k rows there, ~60 k in ``MonthlyStats``); the sums are the same.
    """
    from decimal import Decimal

    model = CommunityMonthStats if _community_cells_serve(scope, group_by) else MonthlyStats
    cells = stats_cells(scope=scope, month_from=month_from, month_to=month_to, model=model)
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


def request_for_user(*, user: User, request_id: int) -> ServiceRequest | None:
    """The request as ``user`` may read it (API and pages alike), else None.

    By the user's scope and ``permissions.can_view``; or, whatever the scope, while
    the request is assigned to the user (指定处理人): a dispatcher may name any
    worker of the unit in the community, and the assignee may act on it
    (``permissions.can_handle``), so it must not be hidden from them. Once it is
    returned or given to someone else it is gone again.
    """
    from redprop.requests import permissions

    if not (user and user.is_authenticated and user.is_active):
        return None
    obj = request_get(scope=user.scope_set(), request_id=request_id)
    if obj is not None and permissions.can_view(user, obj):
        return obj
    if ServiceRequest.objects.filter(pk=request_id, assignee_id=user.pk).exists():
        return request_get(scope=Scope("all"), request_id=request_id)
    return None
