"""Reads of the working calendars, from reference data (redprop.core.refdata): the
intake and the SLA sweep build calendars with no query once a process has loaded
them (docs/adr/0006-lean-intake.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redprop.calendars import engine
from redprop.calendars.choices import CalendarKind, DayKind, YearStatus
from redprop.calendars.models import HolidayTable, HolidayYear, SpecialDay, WorkCalendar
from redprop.core import refdata

REFDATA_CALENDARS = "calendars"
# From this day of the year on, next year's table should be loaded (the State
# Council publishes its notice in October to December).
WARN_FROM = (11, 1)


def day_table(code: str) -> engine.DayTable | None:
    """The holiday table ``code`` with every loaded year (None: no such table)."""

    def load() -> engine.DayTable | None:
        table = HolidayTable.objects.filter(code=code).first()
        if table is None:
            return None
        years = list(HolidayYear.objects.filter(table=table).values_list("year", "status"))
        days = list(SpecialDay.objects.filter(year__table=table).values_list("date", "kind"))
        return engine.DayTable(
            code=code,
            years=frozenset(y for y, _ in years),
            provisional_years=frozenset(y for y, s in years if s == YearStatus.PROVISIONAL),
            days_off=frozenset(d for d, k in days if k == DayKind.OFF),
            days_on=frozenset(d for d, k in days if k == DayKind.WORKDAY),
        )

    return refdata.get(REFDATA_CALENDARS, ("table", code), load)


def _specs() -> Mapping[int, Mapping[str, Any]]:
    def load() -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for cal in WorkCalendar.objects.select_related("holidays").prefetch_related("periods"):
            spec: dict[str, Any] = {"id": cal.pk, "code": cal.code, "kind": cal.kind, "tz": cal.tz}
            if cal.kind == CalendarKind.WORKING_HOURS:
                week: dict[str, list[list[str]]] = {}
                for p in sorted(cal.periods.all(), key=lambda p: (p.weekday, p.starts_at)):
                    week.setdefault(str(p.weekday), []).append(
                        [p.starts_at.isoformat("minutes"), p.ends_at.isoformat("minutes")]
                    )
                spec["week"] = week
                spec["holidays"] = cal.holidays.code if cal.holidays is not None else None
            out[cal.pk] = spec
        return out

    return refdata.get(REFDATA_CALENDARS, "specs", load)


def calendar_spec(calendar_id: int | None) -> dict[str, Any]:
    """The spec of a calendar record, as frozen on a request (``"24x7"`` for none).

    The periods and the zone are copied; the holiday table is named, so days loaded
    later (the next year's notice) still move the deadline.
    """
    if calendar_id is None:
        return {"kind": CalendarKind.ALWAYS.value}
    specs = _specs()
    if calendar_id not in specs:
        # Created in another process less than a TTL ago: read it now.
        refdata.clear(REFDATA_CALENDARS)
        specs = _specs()
    return dict(specs[calendar_id])


def calendar_spec_by_code(code: str) -> dict[str, Any]:
    """The spec of the calendar record ``code`` (``"24x7"`` when there is none)."""
    for spec in _specs().values():
        if spec["code"] == code:
            return dict(spec)
    return {"kind": CalendarKind.ALWAYS.value}


def calendar_for(spec: str | Mapping[str, Any]) -> engine.Calendar:
    """A fresh calendar for a spec, with its holiday table from reference data."""
    return engine.calendar_from_spec(spec, table_for=day_table)


def is_working_day(day: dt.date, *, table: str = engine.DEFAULT_HOLIDAYS) -> bool:
    """Whether ``day`` is a working day (工作日) by a holiday table (mainland China's
    by default): Monday to Friday less its days off plus its adjusted working days."""
    loaded = day_table(table) or engine.DayTable(code=table)
    return loaded.is_working_day(day)


@dataclass(frozen=True)
class YearCheck:
    """Is next year's table loaded? ``state``: ok, provisional or missing."""

    table: str
    year: int
    state: str
    due: bool  # from 1 November on, a missing or provisional table is a warning

    @property
    def warn(self) -> bool:
        return self.due and self.state != "ok"


def today() -> dt.date:
    """Today in the platform's zone, by the platform clock (tests travel with it)."""
    from django.utils import timezone

    from redprop.core import clock

    return timezone.localdate(clock.now())


def next_year_check(*, today: dt.date, table: str = engine.DEFAULT_HOLIDAYS) -> YearCheck:
    """Whether next year's table of ``table`` is loaded and checked against the notice."""
    loaded = day_table(table) or engine.DayTable(code=table)
    year = today.year + 1
    if not loaded.covers(year):
        state = "missing"
    elif year in loaded.provisional_years:
        state = "provisional"
    else:
        state = "ok"
    return YearCheck(table, year, state, (today.month, today.day) >= WARN_FROM)


def holidays_health() -> dict[str, Any] | None:
    """/healthz: from 1 November, next year's table of CN missing or provisional."""
    check = next_year_check(today=today())
    if not check.warn:
        return None
    return {"table": check.table, "year": check.year, "state": check.state}
