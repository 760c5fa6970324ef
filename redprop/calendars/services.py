"""Writes of the working calendars. Each leaves an audit row and tells the apps
above which years changed (``signals.holidays_changed``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from redprop.calendars.choices import DayKind, YearStatus
from redprop.calendars.errors import CalendarError
from redprop.calendars.models import HolidayTable, HolidayYear, SpecialDay, WorkCalendar
from redprop.calendars.signals import holidays_changed
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent

if TYPE_CHECKING:
    from redprop.accounts.models import User

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_NAME = 64
MAX_SOURCE = 200


@dataclass(frozen=True)
class DayRow:
    """One line of a year's arrangement: a day off or an adjusted working day."""

    date: dt.date
    kind: str
    name: str = ""


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ApplicationError(
            CalendarError.YEAR_RANGE,
            _("年份须在 %(lo)s 至 %(hi)s 之间") % {"lo": MIN_YEAR, "hi": MAX_YEAR},
            field="year",
        )


def _check_day(year: int, row: DayRow) -> None:
    if row.date.year != year:
        raise ApplicationError(
            CalendarError.DAY_OUTSIDE_YEAR,
            _("%(date)s 不在 %(year)s 年内") % {"date": row.date.isoformat(), "year": year},
            field="date",
        )
    if row.kind not in DayKind.values:
        raise ApplicationError(
            CalendarError.DAY_KIND,
            _("日期类型须为“放假”(off)或“调休上班”(workday)"),
            field="kind",
        )
    if len(row.name) > MAX_NAME:
        raise ApplicationError(
            CalendarError.DAY_KIND,
            _("名称不能超过 %(n)s 个字") % {"n": MAX_NAME},
            field="name",
        )


@transaction.atomic
def holiday_year_load(
    *,
    table_code: str,
    year: int,
    days: Iterable[DayRow],
    source: str,
    status: str = YearStatus.OFFICIAL,
    acting_user: User,
) -> HolidayYear:
    """Load (or replace) one year of a holiday table from the State Council's notice.

    The year's days are replaced as a whole, so loading the same file twice changes
    nothing. Days not listed keep their weekday rule (Monday to Friday work). One
    audit row records the days before and after; the deadlines that run over the
    year are recomputed (``holidays_changed``).
    """
    _check_year(year)
    source = (source or "").strip()
    if not source:
        raise ApplicationError(
            CalendarError.SOURCE_REQUIRED, _("请注明来源（通知名称和文号）"), field="source"
        )
    if len(source) > MAX_SOURCE:
        raise ApplicationError(
            CalendarError.SOURCE_REQUIRED,
            _("来源不能超过 %(n)s 个字") % {"n": MAX_SOURCE},
            field="source",
        )
    if status not in YearStatus.values:
        raise ApplicationError(CalendarError.DAY_KIND, _("未知的状态"), field="status")
    rows = list(days)
    seen: set[dt.date] = set()
    for row in rows:
        _check_day(year, row)
        if row.date in seen:
            raise ApplicationError(
                CalendarError.DUPLICATE_DAY,
                _("%(date)s 重复出现") % {"date": row.date.isoformat()},
                field="date",
            )
        seen.add(row.date)
    table = HolidayTable.objects.filter(code=table_code).first()
    if table is None:
        raise ApplicationError(
            CalendarError.NO_TABLE,
            _("没有代码为 %(code)s 的节假日安排表") % {"code": table_code},
            field="table",
        )
    loaded = HolidayYear.objects.select_for_update().filter(table=table, year=year).first()
    before = None
    if loaded is None:
        loaded = HolidayYear.objects.create(table=table, year=year, status=status, source=source)
    else:
        before = {**(snapshot(loaded) or {}), "days": _day_list(loaded)}
        loaded.status, loaded.source = status, source
        loaded.save(update_fields=["status", "source", "loaded_at"])
        loaded.days.all().delete()
    SpecialDay.objects.bulk_create(
        [SpecialDay(year=loaded, date=r.date, kind=r.kind, name=r.name) for r in rows]
    )
    audit(
        actor=acting_user,
        event=AuditEvent.HOLIDAYS_LOADED,
        target=loaded,
        before=before,
        after={**(snapshot(loaded) or {}), "days": _day_list(loaded)},
    )
    holidays_changed.send(sender=HolidayYear, table=table_code, years=[year])
    return loaded


def _day_list(year: HolidayYear) -> list[str]:
    return [f"{d.date.isoformat()} {d.kind} {d.name}" for d in year.days.order_by("date")]


@transaction.atomic
def special_day_save(
    *, day: SpecialDay, acting_user: User, before: dict[str, Any] | None = None
) -> SpecialDay:
    """Add or change one day of a loaded year (the admin's edit), audited."""
    _check_day(day.year.year, DayRow(day.date, day.kind, day.name))
    day.save()
    audit(actor=acting_user, event=AuditEvent.HOLIDAY_DAY_CHANGED, target=day, before=before)
    holidays_changed.send(sender=SpecialDay, table=day.year.table.code, years=[day.year.year])
    return day


@transaction.atomic
def special_day_delete(*, day: SpecialDay, acting_user: User) -> None:
    """Remove one day of a loaded year (it follows its weekday again), audited."""
    audit(
        actor=acting_user,
        event=AuditEvent.HOLIDAY_DAY_CHANGED,
        target=day,
        before=snapshot(day),
        after={},
        deleted=True,
    )
    table, year = day.year.table.code, day.year.year
    day.delete()
    holidays_changed.send(sender=SpecialDay, table=table, years=[year])


@transaction.atomic
def work_calendar_changed(
    *, calendar: WorkCalendar, acting_user: User, before: dict[str, Any] | None, **extra: Any
) -> None:
    """Audit a change of a calendar or of its periods (saved by the admin's forms).

    Requests already filed keep the periods frozen in their snapshot; new requests
    use the new ones.
    """
    periods = [str(p) for p in calendar.periods.all()]
    audit(
        actor=acting_user,
        event=AuditEvent.CALENDAR_CHANGED,
        target=calendar,
        before=before,
        after={**(snapshot(calendar) or {}), "periods": periods},
        **extra,
    )
