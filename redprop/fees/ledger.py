"""The posting primitive: one balanced journal entry, or an error and nothing written.

Every write of the fees app that moves money calls :func:`post`. It refuses an
unbalanced set of lines, a zero line, a per-unit account without its unit, and routes
a posting dated in a closed month (a disclosed one) into the next open month as a
correction (``original_period``).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError
from redprop.fees.choices import UNIT_ACCOUNTS, EntryKind
from redprop.fees.errors import FeesError
from redprop.fees.models import JournalEntry, JournalLine, PeriodClose


@dataclass(frozen=True)
class Line:
    account: str
    amount_fen: int
    unit_id: int | None = None


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def next_month(period: dt.date) -> dt.date:
    return (month_end(period) + dt.timedelta(days=1)).replace(day=1)


def parse_month(raw: str, field: str = "month") -> dt.date:
    """``"2026-03"`` → 2026-03-01, or a 400 on ``field``."""
    try:
        value = dt.datetime.strptime(str(raw or "").strip(), "%Y-%m").date()  # noqa: DTZ007
    except ValueError:
        value = None
    if value is None or not (2000 <= value.year <= 2100):
        raise ApplicationError(
            FeesError.INVALID_MONTH, _("月份格式应为 YYYY-MM（如 2026-03）"), field=field
        )
    return value


def closed_periods(compound_id: int | None) -> set[dt.date]:
    if compound_id is None:
        return set()
    return set(PeriodClose.objects.filter(compound_id=compound_id).values_list("period", flat=True))


def is_closed(compound_id: int | None, period: dt.date) -> bool:
    return (
        compound_id is not None
        and PeriodClose.objects.filter(compound_id=compound_id, period=period).exists()
    )


def posting_period(compound_id: int | None, day: dt.date) -> tuple[dt.date, dt.date | None]:
    """The month a posting dated ``day`` counts in, and the closed month it corrects
    (None when its own month is open)."""
    period = month_start(day)
    closed = closed_periods(compound_id)
    if period not in closed:
        return period, None
    target = period
    while target in closed:
        target = next_month(target)
    return target, period


def check_balanced(lines: Iterable[Line]) -> list[Line]:
    lines = list(lines)
    if not lines or sum(line.amount_fen for line in lines) != 0:
        raise ApplicationError(FeesError.UNBALANCED, _("分录借贷不平衡"))
    for line in lines:
        if line.amount_fen == 0 or not isinstance(line.amount_fen, int):
            raise ApplicationError(FeesError.UNBALANCED, _("分录金额不能为零"))
        if line.account in UNIT_ACCOUNTS and not line.unit_id:
            raise ApplicationError(FeesError.UNBALANCED, _("应收、预收科目须指明房屋"))
    return lines


def place_of(compound: Any, company: Any) -> dict[str, Any]:
    if compound is not None:
        from redprop.territory.places import scope_columns_of

        return scope_columns_of(compound)
    return {
        "city_id": company.city_id,
        "district_id": company.district_id,
        "street_id": company.street_id,
        "community_id": company.community_id,
        "grid_id": None,
    }


def post(
    *,
    kind: EntryKind | str,
    lines: Iterable[Line],
    compound: Any,
    company: Any = None,
    occurred_on: dt.date,
    memo: str = "",
    acting_user: Any = None,
    period: dt.date | None = None,
    reverses: JournalEntry | None = None,
) -> JournalEntry:
    """Write one balanced entry (call inside the service's transaction)."""
    checked = check_balanced(lines)
    compound_id = compound.pk if compound is not None else None
    if period is None:
        period, original = posting_period(compound_id, occurred_on)
    else:
        original = None
    if company is None and compound is not None:
        company_id = compound.company_id
    else:
        company_id = company.pk if company is not None else None
    entry = JournalEntry(
        kind=kind,
        compound_id=compound_id,
        company_id=company_id,
        period=period,
        original_period=original,
        occurred_on=occurred_on,
        memo=memo[:200],
        reverses=reverses,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
        **place_of(compound, company),
    )
    entry.save()
    insert_rows(
        JournalLine,
        ["entry_id", "account", "amount_fen", "unit_id", "compound_id", "period"],
        [(entry.pk, ln.account, ln.amount_fen, ln.unit_id, compound_id, period) for ln in checked],
    )
    return entry


def insert_rows(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Append rows to an append-only table without building model instances: COPY on
    PostgreSQL (the bill run writes ~3 rows per unit; Django's bulk_create spends most
    of its time preparing values), ``bulk_create`` elsewhere. ``columns`` are the
    database columns (for these tables, the fields' attnames)."""
    from django.db import connection

    if not rows:
        return
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        sql = (
            f"COPY {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            "FROM STDIN"
        )
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=2000
    )
