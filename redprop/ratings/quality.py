"""Service quality (服务质量) computed from the platform's own request data, not typed in.

The figures come from the request rollups of the company's orders over the cycle's
period (the same counters the dashboards read: requests.selectors.rates). A computed
criterion turns its metric into points by its formula, which is data on the criterion:

    points = max_points × clamp((value − floor) / (target − floor), 0, 1)

rounded half-up to 0.1 point. ``target < floor`` reads "lower is better" (the reopen
and complaint rates). A metric with no sample (no rated order in the period) scores 0
and says so: a company does not earn points for having no data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from redprop.core.scope import Scope
from redprop.ratings.choices import Metric
from redprop.requests import selectors as request_selectors

TENTH = Decimal("0.1")
RATIO = Decimal("0.0001")


def _ratio(num: int, den: int) -> Decimal | None:
    return (Decimal(num) / Decimal(den)).quantize(RATIO) if den > 0 else None


def metrics_from(row: dict[str, Any]) -> dict[str, Decimal | None]:
    """The six metrics from one rates row (requests.selectors.rates)."""
    return {
        Metric.RESPONSE_RATE: row["response_rate"],
        Metric.RESOLUTION_RATE: row["resolution_rate"],
        Metric.SATISFACTION_RATE: row["satisfaction_rate"],
        Metric.COMPLIANCE_RATE: row["compliance_rate"],
        Metric.REOPEN_RATE: _ratio(row.get("reopened", 0), row.get("resolved", 0)),
        Metric.COMPLAINT_RATE: _ratio(
            row.get("unsatisfied", 0) + row.get("very_unsatisfied", 0), row.get("rated", 0)
        ),
    }


def points_for(
    value: Decimal | None, *, max_points: Decimal, floor: Decimal, target: Decimal
) -> Decimal:
    """The formula above. ``floor == target`` is a step: full points at or past it."""
    if value is None:
        return Decimal(0)
    if floor == target:
        share = Decimal(1) if value >= target else Decimal(0)
    else:
        share = (value - floor) / (target - floor)
        share = min(Decimal(1), max(Decimal(0), share))
    return (max_points * share).quantize(TENTH, rounding=ROUND_HALF_UP)


def _months(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    return start.replace(day=1), end.replace(day=1)


def compute(
    *, company_id: int, period_start: dt.date, period_end: dt.date, criteria: Iterable[Any]
) -> dict[str, Any]:
    """The figures snapshot stored on the assessment: counts, metrics and points."""
    month_from, month_to = _months(period_start, period_end)
    (row,) = request_selectors.rates(
        scope=Scope("org", company_id), month_from=month_from, month_to=month_to
    )
    metrics = metrics_from(row)
    points = {
        c.code: str(
            points_for(metrics[c.metric], max_points=c.max_points, floor=c.floor, target=c.target)
        )
        for c in criteria
        if c.metric
    }
    counts = {
        k: int(row.get(k) or 0) for k in ("filed", "resolved", "rated", "reopened", "breached")
    }
    counts["complaints"] = int(row.get("unsatisfied") or 0) + int(row.get("very_unsatisfied") or 0)
    return {
        "computed_at": timezone.now().isoformat(),
        "period": [period_start.isoformat(), period_end.isoformat()],
        "counts": counts,
        "metrics": {k: (None if v is None else str(v)) for k, v in metrics.items()},
        "points": points,
    }


def stars_for(total: Decimal, thresholds: dict[str, str]) -> int:
    """The highest star whose threshold the total reaches (0: none)."""
    for star in (5, 4, 3):
        need = thresholds.get(str(star))
        if need is not None and total >= Decimal(need):
            return star
    return 0
