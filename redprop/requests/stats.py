"""Rollups kept current as events happen, and the three rates computed from them.

响应率 response rate   = responded within the response deadline / (dispatched − withdrawn)
解决率 resolution rate = confirmed solved / (rated or revisited)
满意率 satisfaction    = (very satisfied + satisfied + basic × weight) / rated
5341 compliance        = resolved within the resolve deadline / resolved

Each counter lives in ``MonthlyStats`` cells keyed by (month filed, grid, handling
org, category), with the place columns copied so any level sums with one GROUP BY.
A service bumps the cell in the same transaction as the event (two statements: an
UPDATE with F(), or an INSERT the first time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from redprop.requests.models import COUNTERS, MonthlyStats, ServiceRequest


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def bump(request: ServiceRequest, *, org_id: int | None = None, **deltas: int) -> None:
    """Add ``deltas`` to the request's cell (for ``org_id``, default its handling org)."""
    deltas = {k: v for k, v in deltas.items() if v}
    if not deltas:
        return
    unknown = set(deltas) - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters {unknown}")
    org_id = request.handling_org_id if org_id is None else org_id
    month = month_of(request.created_at)
    cell = f"{month:%Y-%m}|{request.community_id}|{request.grid_id}|{org_id}|{request.category_id}"
    updates = {k: F(k) + v for k, v in deltas.items()}
    if MonthlyStats.objects.filter(cell=cell).update(**updates):
        return
    try:
        with transaction.atomic():
            MonthlyStats.objects.create(
                cell=cell,
                month=month,
                city_id=request.city_id,
                district_id=request.district_id,
                street_id=request.street_id,
                community_id=request.community_id,
                grid_id=request.grid_id,
                org_id=org_id,
                category_id=request.category_id,
                **{k: max(v, 0) for k, v in deltas.items()},
            )
    except IntegrityError:  # another transaction created the cell first
        MonthlyStats.objects.filter(cell=cell).update(**updates)


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
