"""Rollups kept current as events happen, and the three rates computed from them.

响应率 response rate   = responded within the response deadline / (dispatched − withdrawn)
解决率 resolution rate = confirmed solved / (rated or revisited)
满意率 satisfaction    = (very satisfied + satisfied + basic × weight) / rated
5341 compliance        = resolved within the resolve deadline / resolved

Each counter lives in ``MonthlyStats`` cells keyed by (month filed, grid, handling
org, category), with the place columns copied so any level sums with one GROUP BY.
A service bumps the cells in the same transaction as the event, with one upsert
statement for all the cells it touches (``bump_many``). The same counters are kept
per (month, community, category) in ``CommunityMonthStats``, bumped in that same
statement, for views over a street, district or city that need no grid or unit split.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone

from redprop.requests.models import (
    COUNTERS,
    CommunityMonthStats,
    MonthlyStats,
    RollupCounters,
    ServiceRequest,
)


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def cell_key(request: ServiceRequest, org_id: int | None) -> str:
    month = month_of(request.created_at)
    return f"{month:%Y-%m}|{request.community_id}|{request.grid_id}|{org_id}|{request.category_id}"


def community_cell_key(month: dt.date, community_id: int | None, category_id: int) -> str:
    return f"{month:%Y-%m}|{community_id}|{category_id}"


def bump(request: ServiceRequest, *, org_id: int | None = None, **deltas: int) -> None:
    """Add ``deltas`` to the request's cell (for ``org_id``, default its handling org)."""
    bump_many([(request, request.handling_org_id if org_id is None else org_id, deltas)])


@dataclass(frozen=True)
class _Row:
    """One rollup row to add to: its key, its place columns, its deltas."""

    cell: str
    place: tuple[Any, ...]
    deltas: dict[str, int]


def bump_many(items: list[tuple[ServiceRequest, int | None, dict[str, int]]]) -> None:
    """Add each item's deltas to its (request, org) cell and to the request's
    (month, community, category) cell: one statement on PostgreSQL, two on SQLite.

    An upsert (``INSERT … ON CONFLICT (cell) DO UPDATE SET n = n + excluded.n``)
    creates a missing cell and adds to an existing one atomically, so concurrent
    transactions never lose a count and need no savepoint. Cells are written in key
    order, so two transactions bumping the same cells cannot deadlock on them.
    A negative delta (a superseded rating) only ever applies to existing cells.
    """
    fine: dict[str, _Row] = {}
    coarse: dict[str, _Row] = {}
    for request, org_id, deltas in items:
        unknown = set(deltas) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown counters {unknown}")
        month = month_of(request.created_at)
        places = (request.city_id, request.district_id, request.street_id, request.community_id)
        targets = (
            (fine, cell_key(request, org_id), (*places, request.grid_id, org_id)),
            (coarse, community_cell_key(month, request.community_id, request.category_id), places),
        )
        for table, key, place in targets:
            row = table.setdefault(key, _Row(key, (month, *place, request.category_id), {}))
            for name, value in deltas.items():
                if value:
                    row.deltas[name] = row.deltas.get(name, 0) + value
    statements: list[tuple[type[MonthlyStats] | type[CommunityMonthStats], list[_Row]]] = [
        (model, [r for _k, r in sorted(cells.items()) if any(r.deltas.values())])
        for model, cells in ((MonthlyStats, fine), (CommunityMonthStats, coarse))
    ]
    if not statements[0][1]:
        return
    if any(v < 0 for _m, rows in statements for r in rows for v in r.deltas.values()):
        for model, rows in statements:
            for r in rows:
                model.objects.filter(cell=r.cell).update(
                    **{k: F(k) + v for k, v in r.deltas.items() if v}
                )
        return
    parts = [_upsert(model, rows) for model, rows in statements]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A data-modifying CTE always runs to completion: both tables, one round trip.
            (fine_sql, fine_params), (coarse_sql, coarse_params) = parts
            cursor.execute(
                f"WITH fine AS ({fine_sql}) {coarse_sql}", [*fine_params, *coarse_params]
            )
        else:  # SQLite allows only SELECT in WITH
            for sql, params in parts:
                cursor.execute(sql, params)


def _upsert(
    model: type[MonthlyStats] | type[CommunityMonthStats], rows: list[_Row]
) -> tuple[str, list[Any]]:
    counters = tuple(sorted({k for r in rows for k, v in r.deltas.items() if v}))
    params: list[Any] = []
    for r in rows:
        month, *place = r.place
        params += [
            r.cell,
            connection.ops.adapt_datefield_value(month),
            *place,
            *(r.deltas.get(k, 0) for k in counters),
        ]
    return _upsert_sql(model, len(rows), counters), params


_PLACE_COLUMNS: dict[type[RollupCounters], tuple[str, ...]] = {
    MonthlyStats: (
        "cell",
        "month",
        "city_id",
        "district_id",
        "street_id",
        "community_id",
        "grid_id",
        "org_id",
        "category_id",
    ),
    CommunityMonthStats: (
        "cell",
        "month",
        "city_id",
        "district_id",
        "street_id",
        "community_id",
        "category_id",
    ),
}


@cache
def _upsert_sql(model: type[RollupCounters], rows: int, counters: tuple[str, ...]) -> str:
    table = model._meta.db_table
    # A new cell gets the bumped counters, the others their database default (0); an
    # existing cell adds the bumped counters. Few parameters: psycopg caches the
    # statement's conversion only up to 50.
    columns = [*_PLACE_COLUMNS[model], *counters]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    # Names come from the model's metadata, values are bound parameters.
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * rows)} "  # noqa: S608
        f"ON CONFLICT (cell) DO UPDATE SET {updates}"
    )


def rating_deltas(score: int | None, solved: bool, sign: int = 1) -> dict[str, int]:
    d = {"rated_or_revisited": sign, "solved_confirmed": sign if solved else 0}
    if score is not None:
        d["rated"] = sign
        d[SCORE_COUNTER[score]] = sign
    return d


SCORE_COUNTER = {
    5: "very_satisfied",
    4: "satisfied",
    3: "basic",
    2: "unsatisfied",
    1: "very_unsatisfied",
}


@dataclass(frozen=True)
class Rates:
    """Counters and the rates derived from them (None when the denominator is 0)."""

    counts: dict[str, int]
    basic_weight: Decimal = Decimal(1)

    def _ratio(self, num: Decimal | int, den: int) -> Decimal | None:
        if den <= 0:
            return None
        return (Decimal(num) / Decimal(den)).quantize(Decimal("0.0001"))

    @property
    def response_base(self) -> int:
        return self.counts.get("dispatched", 0) - self.counts.get("withdrawn", 0)

    @property
    def response_rate(self) -> Decimal | None:
        return self._ratio(self.counts.get("responded_on_time", 0), self.response_base)

    @property
    def resolution_rate(self) -> Decimal | None:
        return self._ratio(
            self.counts.get("solved_confirmed", 0), self.counts.get("rated_or_revisited", 0)
        )

    @property
    def satisfaction_rate(self) -> Decimal | None:
        c = self.counts
        num = (
            c.get("very_satisfied", 0)
            + c.get("satisfied", 0)
            + Decimal(c.get("basic", 0)) * self.basic_weight
        )
        return self._ratio(num, c.get("rated", 0))

    @property
    def compliance_rate(self) -> Decimal | None:
        return self._ratio(self.counts.get("resolved_on_time", 0), self.counts.get("resolved", 0))

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.counts,
            "response_base": self.response_base,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "compliance_rate": self.compliance_rate,
        }


def sum_counters(qs: Any, group_by: list[str] | None = None) -> Any:
    aggregates = {k: Sum(k) for k in COUNTERS}
    if group_by:
        return qs.values(*group_by).annotate(**aggregates).order_by(*group_by)
    return qs.aggregate(**aggregates)


def clean(row: dict[str, Any]) -> dict[str, int]:
    return {k: int(row.get(k) or 0) for k in COUNTERS}
