"""Months: parsing ``YYYY-MM`` from a query, labels such as 2026年11月, 12-month ranges."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError
from redprop.dashboards.errors import DashboardError

_MONTH_RE = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
EARLIEST = dt.date(2000, 1, 1)


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def parse_month(value: str | None, *, field: str = "month") -> dt.date:
    """The first day of the month ``YYYY-MM`` (Asia/Shanghai); empty means this month.

    Raises ``ApplicationError`` (400, with the field) for anything else, and for a
    month that has not begun yet.
    """
    if value is None or not str(value).strip():
        return this_month()
    m = _MONTH_RE.match(str(value))
    month = None
    if m:
        year, mon = int(m.group(1)), int(m.group(2))
        if 1 <= mon <= 12 and year >= EARLIEST.year:
            month = dt.date(year, mon, 1)
    if month is None:
        raise ApplicationError(
            DashboardError.INVALID_MONTH, _("月份格式应为 YYYY-MM，例如 2026-11"), field=field
        )
    if month > this_month():
        raise ApplicationError(
            DashboardError.FUTURE_MONTH, _("不能选择尚未开始的月份"), field=field
        )
    return month


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_ending(month: dt.date, count: int = 12) -> list[dt.date]:
    """``count`` month starts, oldest first, the last being ``month``."""
    return [add_months(month, i - count + 1) for i in range(count)]


def month_label(month: dt.date) -> str:
    return _("%(year)d年%(month)d月") % {"year": month.year, "month": month.month}


def month_value(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a month in local time, as aware datetimes."""
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(add_months(month, 1), dt.time.min))
    return start, end


def pct(rate: Decimal | float | None, places: int = 1) -> str:
    """0.9523 → "95.2%"; no denominator → "—"."""
    if rate is None:
        return "—"
    q = Decimal(1).scaleb(-places)
    value = (Decimal(str(rate)) * 100).quantize(q, rounding=ROUND_HALF_UP)
    return f"{value}%"


def pct_number(rate: Decimal | None, places: int = 1) -> float | None:
    """0.9523 → 95.2 (what a chart plots)."""
    if rate is None:
        return None
    q = Decimal(1).scaleb(-places)
    return float((Decimal(str(rate)) * 100).quantize(q, rounding=ROUND_HALF_UP))
