"""Reads behind the dashboards and the monthly reports. Scope first, fixed query counts.

Every figure comes from ``redprop.requests.selectors.rates`` (the monthly rollups),
so a dashboard, an xlsx and a PDF for the same place and month show the same
numbers. Display names are loaded with one query per level, never per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, Prefetch, Q, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from redprop.core.errors import NotFound
from redprop.core.scope import TERRITORY_LEVELS, Scope, ScopeSet, scoped
from redprop.dashboards.choices import RANK_KEYS, RATE_FIGURES
from redprop.dashboards.periods import month_bounds, month_label, months_ending, pct
from redprop.requests import policies
from redprop.requests import selectors as request_selectors
from redprop.requests.choices import OPEN_STATES, Status
from redprop.requests.models import Category, ServiceRequest, SlaCheckpoint, SlaPolicy
from redprop.requests.stats import Rates

# Levels from the top of the tree down; "all" is the whole platform.
LEVEL_ORDER = ("all", "city", "district", "street", "community", "grid", "org")
# The tables a dashboard shows for a scope at a level.
TABLE_LEVELS = {
    "all": ("street", "community", "grid", "org"),
    "city": ("street", "community", "grid", "org"),
    "district": ("street", "community", "grid", "org"),
    "street": ("community", "grid", "org"),
    "community": ("grid", "org"),
    "org": ("community", "grid"),
}
# The league tables (排行榜): units and communities (grids inside one community).
LEAGUE_LEVELS = {
    "all": ("community", "org"),
    "city": ("community", "org"),
    "district": ("community", "org"),
    "street": ("community", "org"),
    "community": ("grid", "org"),
    "org": ("community",),
}
# What a report breaks its place down by.
REPORT_SUB_LEVEL = {"street": "community", "community": "grid"}
SLOW_ORDERS = ("overdue", "age")


# --- scope and focus ---------------------------------------------------------------


@dataclass(frozen=True)
class Focus:
    """What a page shows: the user's whole scope, or one street/community inside it."""

    scope: Scope | ScopeSet
    level: str
    label: str
    node: Any = None  # the Region picked, if any
    place: Any = None  # where the SLA policy is looked up (None: the platform default)


def region_in_scope(scope: Iterable[Scope], region: Any) -> bool:
    """Is a street or community inside one of the territory scopes? (no query)"""
    for s in scope:
        if s.kind == "all":
            return True
        if s.kind in TERRITORY_LEVELS and getattr(region, f"{s.kind}_id", None) == s.node_id:
            return True
    return False


def _territory_q(scope: Iterable[Scope]) -> Q | None:
    """The condition on a scoped model's place columns; None when nothing matches."""
    q = Q(pk__in=[])
    found = False
    for s in scope:
        if s.kind == "all":
            return Q()
        if s.kind in TERRITORY_LEVELS:
            q |= Q(**{f"{s.kind}_id": s.node_id})
            found = True
    return q if found else None


def regions_for_picker(*, scope: Iterable[Scope]) -> list[tuple[Any, list[Any]]]:
    """Streets and communities in scope, grouped by street: [(street or None, [communities])]."""
    from redprop.territory.models import Region

    q = _territory_q(scope)
    if q is None:
        return []
    rows = list(Region.objects.filter(q, level__in=["street", "community"]).order_by("code", "pk"))
    streets = {r.pk: r for r in rows if r.level == "street"}
    groups: dict[int | None, list[Any]] = {pk: [] for pk in streets}
    for r in rows:
        if r.level == "community":
            groups.setdefault(r.street_id if r.street_id in streets else None, []).append(r)
    return [(streets.get(pk) if pk is not None else None, comms) for pk, comms in groups.items()]


def region_get(*, scope: Iterable[Scope], region_id: Any) -> Any:
    """A street or community inside the scope, or NotFound (404) — never a hint it exists."""
    from redprop.territory.models import Region

    try:
        pk = int(region_id)
    except (TypeError, ValueError):
        raise NotFound(_("所选社区或街道不存在或不在您的管辖范围内")) from None
    region = Region.objects.filter(pk=pk, level__in=["street", "community"]).first()
    if region is None or not region_in_scope(scope, region):
        raise NotFound(_("所选社区或街道不存在或不在您的管辖范围内"))
    return region


def focus_for(*, scope: ScopeSet, node_id: Any = None) -> Focus:
    """The user's scope, or the street/community ``node_id`` inside it (else NotFound)."""
    from redprop.orgs.models import Org
    from redprop.territory.models import Region

    if node_id not in (None, ""):
        region = region_get(scope=scope, region_id=node_id)
        return Focus(Scope(region.level, region.pk), region.level, region.name, region, region)
    scopes = list(scope)
    if any(s.kind == "all" for s in scopes):
        return Focus(scope, "all", _("全部辖区"))
    regions = {s.node_id for s in scopes if s.kind in TERRITORY_LEVELS}
    orgs = {s.node_id for s in scopes if s.kind == "org"}
    places: list[Any] = []
    if regions:
        places += list(Region.objects.filter(pk__in=regions).order_by("code"))
    if orgs:
        places += list(Org.objects.filter(pk__in=orgs).order_by("name"))
    if not places:
        return Focus(scope, "org", "")
    level = min(
        (getattr(p, "level", "org") for p in places),
        key=LEVEL_ORDER.index,
    )
    return Focus(scope, level, _list_separator().join(p.name for p in places), None, places[0])


def policy_for(focus: Focus) -> SlaPolicy:
    """The SLA policy in force for the focus (min sample, basic-satisfied weight)."""
    return policies.sla_policy_for(place=focus.place)


def _list_separator() -> str:
    # Translators: the separator between the items of a list (a Chinese enumeration comma).
    return pgettext("list separator", "、")


# --- names -------------------------------------------------------------------------


def names_for(level: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Display names of group keys: one query for the whole level."""
    from redprop.orgs.models import Org
    from redprop.territory.models import Region

    keys = [k for k in set(keys) if k is not None]
    if not keys:
        return {}
    if level == "month":
        return {k: month_label(k) for k in keys}
    if level == "category":
        return {
            c.pk: (f"{c.parent.name} · {c.name}" if c.parent is not None else c.name)
            for c in Category.objects.filter(pk__in=keys).select_related("parent")
        }
    if level == "grid":
        return grid_names(keys)
    model: Any = {"org": Org}.get(level, Region)
    return dict(model.objects.filter(pk__in=keys).values_list("pk", "name"))


def grid_names(keys: Iterable[Any]) -> dict[Any, str]:
    """Grid names, each with its community when the grids belong to several
    communities: two communities' "第二网格" must not read alike."""
    from redprop.territory.models import Grid

    rows = list(Grid.objects.filter(pk__in=keys).values_list("pk", "name", "community__name"))
    if len({community for _pk, _name, community in rows}) <= 1:
        return {pk: name for pk, name, _community in rows}
    return {
        pk: _("%(community)s %(grid)s") % {"community": community, "grid": name}
        for pk, name, community in rows
    }


# --- figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One rate as shown: its value, its sample size, and whether the sample suffices."""

    key: str
    label: str
    rate: Decimal | None
    numerator: int | None
    sample: int
    enough: bool = True

    @property
    def text(self) -> str:
        return pct(self.rate)

    @property
    def shown(self) -> str:
        return self.text if self.enough else _("样本不足")


def figures_of(row: dict[str, Any], *, min_sample: int = 0) -> list[Figure]:
    out = []
    for key, label, sample_key, num_key in RATE_FIGURES:
        sample = int(row.get(sample_key) or 0)
        numerator = int(row.get(num_key) or 0) if num_key else None
        out.append(
            Figure(key, str(label), row.get(key), numerator, sample, sample >= max(min_sample, 1))
        )
    return out


@dataclass
class Line:
    """A row of a table: one grid, community, unit, category or month."""

    key: Any
    name: str
    row: dict[str, Any]
    figures: list[Figure]
    rank: int | None = None

    @property
    def filed(self) -> int:
        return int(self.row.get("filed") or 0)

    @property
    def dispatched(self) -> int:
        return int(self.row.get("dispatched") or 0)

    @property
    def breached(self) -> int:
        return int(self.row.get("breached") or 0)

    @property
    def resolved(self) -> int:
        return int(self.row.get("resolved") or 0)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def _empty_row() -> dict[str, Any]:
    from redprop.requests.models import COUNTERS

    return Rates(dict.fromkeys(COUNTERS, 0)).as_dict()


def totals(*, scope: Scope | ScopeSet, month: dt.date, weight: Decimal) -> dict[str, Any]:
    """The month's counters and rates for the whole scope (one query)."""
    return request_selectors.rates(
        scope=scope, month_from=month, month_to=month, basic_weight=weight
    )[0]


def level_lines(
    *, scope: Scope | ScopeSet, month: dt.date, level: str, weight: Decimal, min_sample: int = 0
) -> list[Line]:
    """The month's figures grouped by a level, named (two queries), biggest first."""
    rows = request_selectors.rates(
        scope=scope, month_from=month, month_to=month, group_by=level, basic_weight=weight
    )
    names = names_for(level, (r["key"] for r in rows))
    lines = [
        Line(r["key"], names.get(r["key"], f"#{r['key']}"), r, figures_of(r, min_sample=min_sample))
        for r in rows
    ]
    # A unit's requests are counted when dispatched to it (filing has no unit yet).
    lines.sort(key=lambda line: (-line.filed, -line.dispatched, line.name))
    return lines


def trend_lines(
    *, scope: Scope | ScopeSet, month: dt.date, weight: Decimal, count: int = 12
) -> list[Line]:
    """``count`` months ending with ``month``, oldest first; months without data are empty."""
    months = months_ending(month, count)
    rows = request_selectors.rates(
        scope=scope,
        month_from=months[0],
        month_to=month,
        group_by="month",
        basic_weight=weight,
    )
    by_month = {r["key"]: r for r in rows}
    names = names_for("month", months)
    out = []
    for m in months:
        row = by_month.get(m) or {"key": m, **_empty_row()}
        out.append(Line(m, names[m], row, figures_of(row)))
    return out


def league(lines: list[Line], *, min_sample: int, rank_by: str = "satisfaction_rate") -> list[Line]:
    """排行榜: rank by one rate, hiding every rate whose sample is under ``min_sample``.

    Rows whose ranking rate lacks the sample come last, unranked. Equal rates share
    a rank (1, 2, 2, 4); ties are broken for display by the other rates.
    """
    if rank_by not in RANK_KEYS:
        rank_by = "satisfaction_rate"
    hidden = [
        Line(line.key, line.name, line.row, figures_of(line.row, min_sample=min_sample))
        for line in lines
    ]
    ranked: list[Line] = []
    rest: list[Line] = []
    for x in hidden:
        ok = x.figure(rank_by).enough and x.row.get(rank_by) is not None
        (ranked if ok else rest).append(x)

    def others(x: Line) -> tuple[Decimal, ...]:
        return tuple(
            -(f.rate if f.enough and f.rate is not None else Decimal(-1))
            for f in x.figures
            if f.key != rank_by
        )

    ranked.sort(key=lambda x: (-x.row[rank_by], *others(x), x.name))
    previous, rank = None, 0
    for i, x in enumerate(ranked, start=1):
        if x.row[rank_by] != previous:
            rank, previous = i, x.row[rank_by]
        x.rank = rank
    rest.sort(key=lambda x: (-x.filed, -x.dispatched, x.name))
    return ranked + rest


# --- requests ----------------------------------------------------------------------


@dataclass
class SlowRequest:
    request: ServiceRequest
    due_at: dt.datetime | None
    now: dt.datetime

    @property
    def overdue(self) -> dt.timedelta | None:
        if self.due_at is None or self.due_at >= self.now:
            return None
        return self.now - self.due_at

    @property
    def left(self) -> dt.timedelta | None:
        if self.due_at is None or self.due_at < self.now:
            return None
        return self.due_at - self.now

    @property
    def age(self) -> dt.timedelta:
        return self.now - self.request.created_at


def slowest_open(
    *, scope: Scope | ScopeSet, order: str = "overdue", limit: int = 10, now: Any = None
) -> list[SlowRequest]:
    """Open requests in scope, furthest past their running deadline (or oldest) first."""
    now = now or timezone.now()
    qs = request_selectors.request_list(
        scope=scope, filters=request_selectors.RequestFilters(status=sorted(OPEN_STATES))
    ).annotate(
        current_due=Case(
            When(responded_at__isnull=True, then=F("respond_due_at")),
            When(status=Status.PLAN_REQUIRED, then=F("plan_due_at")),
            default=F("resolve_due_at"),
        )
    )
    if order == "age":
        qs = qs.order_by("created_at", "id")
    else:
        qs = qs.order_by(F("current_due").asc(nulls_last=True), "created_at", "id")
    return [SlowRequest(r, r.current_due, now) for r in qs[:limit]]


def holidays_missing_open(*, scope: Scope | ScopeSet) -> int:
    """Open requests in scope whose deadline was computed over a year with no holiday
    table (节假日安排未录入): one count on a partial index of the flagged rows."""
    return (
        request_selectors.request_list(
            scope=scope, filters=request_selectors.RequestFilters(status=sorted(OPEN_STATES))
        )
        .filter(holidays_missing=True)
        .order_by()
        .count()
    )


CLOCK_LABELS = {
    "respond": gettext_lazy("响应"),
    "resolve": gettext_lazy("办结"),
    "plan": gettext_lazy("方案"),
}


@dataclass
class BreachedRequest:
    request: ServiceRequest
    clocks: list[str]

    @property
    def deadline(self) -> dt.datetime | None:
        r = self.request
        for clock in ("resolve", "plan", "respond"):
            if clock in self.clocks:
                due: dt.datetime | None = getattr(r, f"{clock}_due_at")
                return due
        return r.resolve_due_at or r.respond_due_at

    @property
    def clock_labels(self) -> str:
        return _list_separator().join(str(CLOCK_LABELS.get(c, c)) for c in self.clocks) or "—"

    @property
    def handler(self) -> str:
        r = self.request
        parts = [str(r.handling_org) if r.handling_org_id else "", str(r.assignee or "")]
        return " · ".join(p for p in parts if p) or "—"


def breached_requests(*, scope: Scope | ScopeSet, month: dt.date) -> list[BreachedRequest]:
    """超时清单: requests filed in the month that missed a deadline (the rollup's
    ``breached`` counter counts exactly these)."""
    start, end = month_bounds(month)
    qs = (
        scoped(
            ServiceRequest.objects.select_related(
                "category", "compound", "handling_org", "assignee"
            ),
            scope,
        )
        .filter(created_at__gte=start, created_at__lt=end, breached=True)
        .prefetch_related(
            Prefetch(
                "checkpoints",
                queryset=SlaCheckpoint.objects.filter(key__startswith="breach:").order_by("at"),
                to_attr="breaches",
            )
        )
        .order_by("created_at", "id")
    )
    return [BreachedRequest(r, [c.key.split(":", 1)[1] for c in r.breaches]) for r in qs]


# --- the pages ---------------------------------------------------------------------


@dataclass
class LevelTable:
    level: str
    lines: list[Line]


@dataclass
class Dashboard:
    focus: Focus
    month: dt.date
    policy: SlaPolicy
    totals: dict[str, Any]
    figures: list[Figure]
    tables: list[LevelTable]
    leagues: list[LevelTable]
    trend: list[Line]
    categories: list[Line]
    slowest: list[SlowRequest]
    rank_by: str = "satisfaction_rate"
    slow_order: str = "overdue"
    holidays_missing: int = 0

    @property
    def min_sample(self) -> int:
        return int(self.policy.min_sample)


def dashboard(
    *, focus: Focus, month: dt.date, rank_by: str = "satisfaction_rate", slow_order: str = "overdue"
) -> Dashboard:
    """Everything the dashboard page shows, in a fixed number of queries."""
    policy = policy_for(focus)
    weight = Decimal(policy.basic_satisfied_weight)
    scope = focus.scope
    row = totals(scope=scope, month=month, weight=weight)
    by_level = {
        level: level_lines(scope=scope, month=month, level=level, weight=weight)
        for level in TABLE_LEVELS[focus.level]
    }
    rank_by = rank_by if rank_by in RANK_KEYS else "satisfaction_rate"
    slow_order = slow_order if slow_order in SLOW_ORDERS else "overdue"
    leagues = [
        LevelTable(level, league(by_level[level], min_sample=policy.min_sample, rank_by=rank_by))
        for level in LEAGUE_LEVELS[focus.level]
    ]
    categories = level_lines(scope=scope, month=month, level="category", weight=weight)
    return Dashboard(
        focus=focus,
        month=month,
        policy=policy,
        totals=row,
        figures=figures_of(row),
        tables=[LevelTable(level, lines) for level, lines in by_level.items()],
        leagues=leagues,
        trend=trend_lines(scope=scope, month=month, weight=weight),
        categories=categories,
        slowest=slowest_open(scope=scope, order=slow_order),
        rank_by=rank_by,
        slow_order=slow_order,
        holidays_missing=holidays_missing_open(scope=scope),
    )


@dataclass
class MonthlyReport:
    """The monthly report of a street or community: what the xlsx and the PDF contain."""

    node: Any
    month: dt.date
    policy: SlaPolicy
    totals: dict[str, Any]
    figures: list[Figure]
    sub_level: str
    sub_lines: list[Line]
    categories: list[Line]
    trend: list[Line]
    breached: list[BreachedRequest]
    generated_at: dt.datetime = field(default_factory=timezone.now)
    red: list[Any] = field(default_factory=list)  # RedLevel: the 红色物业 figures


def monthly_report(
    *, node: Any, month: dt.date, progress: Callable[[int], None] | None = None
) -> MonthlyReport:
    """Collect the report of ``node`` (a street or community) for ``month``.

    The same selectors as the dashboard focused on that node, so the figures match.
    ``progress`` is called with a percentage as each part is read.
    """
    step = progress or (lambda _pct: None)
    focus = Focus(Scope(node.level, node.pk), node.level, node.name, node, node)
    policy = policy_for(focus)
    weight = Decimal(policy.basic_satisfied_weight)
    row = totals(scope=focus.scope, month=month, weight=weight)
    sub_level = REPORT_SUB_LEVEL.get(node.level, "community")
    sub = level_lines(scope=focus.scope, month=month, level=sub_level, weight=weight)
    step(25)
    categories = level_lines(scope=focus.scope, month=month, level="category", weight=weight)
    trend = trend_lines(scope=focus.scope, month=month, weight=weight)
    step(45)
    breached = breached_requests(scope=focus.scope, month=month)
    step(60)
    return MonthlyReport(
        node=node,
        month=month,
        policy=policy,
        totals=row,
        figures=figures_of(row),
        sub_level=sub_level,
        sub_lines=sub,
        categories=categories,
        trend=trend,
        breached=breached,
        red=red_property(focus=focus, month=month),
    )


# --- 红色物业: the four mechanisms -----------------------------------------------------

# The places the 红色物业 section breaks the focus down by: streets and communities,
# only communities once the focus is one community.
RED_LEVELS = {
    "all": ("street", "community"),
    "city": ("street", "community"),
    "district": ("street", "community"),
    "street": ("street", "community"),
    "community": ("community",),
}


@dataclass
class RedLevel:
    """One level (street or community) of the 红色物业 section: each mechanism's rows."""

    level: str
    party: list[Any]
    ratings: list[dict[str, Any]]
    volunteers: list[Any]
    service_lists: list[dict[str, Any]]


def red_scope(scope: Scope | ScopeSet) -> ScopeSet:
    """The territory part of a scope: the section is the region desks' (a company's
    own-unit scope gets nothing from it)."""
    scopes = (scope,) if isinstance(scope, Scope) else tuple(scope)
    return ScopeSet.of(s for s in scopes if s.kind == "all" or s.kind in TERRITORY_LEVELS)


def red_property(*, focus: Focus, month: dt.date) -> list[RedLevel]:
    """Party building, star ratings, volunteers and service lists by street and
    community of the focus, each from its own app's aggregate selector: a fixed number
    of queries per mechanism and level (party 4, ratings 1, volunteers 3, service
    lists 1), never one per place. Empty when the focus has no territory."""
    from redprop.party.selectors import coverage_by
    from redprop.ratings.selectors import stars_by
    from redprop.service_lists.selectors import claims_by
    from redprop.volunteers.selectors import counts_by

    scope = red_scope(focus.scope)
    if not scope:
        return []
    levels = RED_LEVELS.get(focus.level, ("street", "community"))
    return [
        RedLevel(
            level=level,
            party=coverage_by(scope=scope, level=level),
            ratings=stars_by(scope=scope, level=level),
            volunteers=counts_by(scope=scope, level=level, month=month, teams=False),
            service_lists=claims_by(scope=scope, level=level, month=month),
        )
        for level in levels
    ]
