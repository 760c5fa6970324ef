"""What the installed libraries know about mainland China's holidays, as table rows.

* ``chinesecalendar`` 1.11 (``chinese_calendar``): every day off and every
  adjusted working day (调休) from the State Council's notices, 2004-2026. Loaded
  as ``official``.
* ``holidays`` 0.109 (``holidays.China(observed=False)``): for 2027 only the 13
  statutory days fixed by law (元旦 1, 春节 4 from the eve, 清明 1, 劳动节 2, 端午 1,
  中秋 1, 国庆 3), no days added by the notice and no 调休 (its
  ``weekend_workdays`` has none for 2027). Loaded as ``provisional``: check it
  against 国务院办公厅关于2027年部分节假日安排的通知 and load the notice
  (``manage.py calendar_import``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.calendars.choices import DayKind, YearStatus
from redprop.calendars.engine import DayTable

CHINESE_CALENDAR_YEARS = range(2004, 2027)

NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    # holidays.China
    "Chinese New Year's Eve": "春节（除夕）",
    "Chinese New Year (Spring Festival)": "春节",
    "Tomb-Sweeping Day": "清明节",
    "Labor Day": "劳动节",
    "Mid-Autumn Festival": "中秋节",
}


def _days(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1)
    return [first + dt.timedelta(days=n) for n in range((dt.date(year, 12, 31) - first).days + 1)]


def library_year(year: int) -> tuple[str, str, list[tuple[dt.date, str, str]]] | None:
    """``(status, source, [(date, kind, name)])`` for ``year``, or None if unknown."""
    import chinese_calendar
    import holidays

    if year in CHINESE_CALENDAR_YEARS:
        rows = []
        for day in _days(year):
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            label = NAMES.get(name or "", name or "")
            if is_holiday and name:
                rows.append((day, DayKind.OFF.value, label))
            elif not is_holiday and day.weekday() >= 5:
                rows.append(
                    (day, DayKind.WORKDAY.value, f"{label}调休上班" if label else "调休上班")
                )
        version = getattr(chinese_calendar, "__version__", "1.11")
        return YearStatus.OFFICIAL.value, f"chinesecalendar {version}（国务院通知）", rows
    statutory = holidays.China(years=year, observed=False)
    if not statutory:
        return None
    rows = [
        (day, DayKind.OFF.value, NAMES.get(name, name)) for day, name in sorted(statutory.items())
    ]
    rows += [
        (day, DayKind.WORKDAY.value, "调休上班")
        for day in sorted(getattr(statutory, "weekend_workdays", ()))
        if day.year == year
    ]
    return (
        YearStatus.PROVISIONAL.value,
        f"holidays {holidays.__version__}：仅法定节假日，未含调休，待按国务院通知核对",
        rows,
    )


def library_table(years: range = range(2004, 2028), code: str = "CN") -> DayTable:
    """The table the seed migration loads, built in memory (for pure tests)."""
    off: set[dt.date] = set()
    on: set[dt.date] = set()
    covered: set[int] = set()
    provisional: set[int] = set()
    for year in years:
        known = library_year(year)
        if known is None:
            continue
        status, _, rows = known
        covered.add(year)
        if status == YearStatus.PROVISIONAL:
            provisional.add(year)
        for day, kind, _name in rows:
            (off if kind == DayKind.OFF else on).add(day)
    return DayTable(
        code=code,
        years=frozenset(covered),
        days_off=frozenset(off),
        days_on=frozenset(on),
        provisional_years=frozenset(provisional),
    )


LAST_SEEDED_YEAR = 2027


def install_default_calendars(
    HolidayTable: Any,
    HolidayYear: Any,
    SpecialDay: Any,
    WorkCalendar: Any,
    WorkPeriod: Any,
) -> None:
    """Install the holiday table CN (2004-2027 from the libraries) and the calendars
    ``24x7`` and ``working_hours``; what is there already is kept."""
    table, _ = HolidayTable.objects.get_or_create(code="CN", defaults={"name": "中国大陆"})
    # The years there already, first: building a year from the libraries walks its 365
    # days, and the test suite calls this for every test (0.16 s of each one's setup).
    loaded_years = set(HolidayYear.objects.filter(table=table).values_list("year", flat=True))
    days = []
    for year in range(2004, LAST_SEEDED_YEAR + 1):
        if year in loaded_years:
            continue
        known = library_year(year)
        if known is None:
            continue
        status, source, rows = known
        loaded = HolidayYear.objects.create(table=table, year=year, status=status, source=source)
        days += [SpecialDay(year=loaded, date=d, kind=k, name=n) for d, k, n in rows]
    SpecialDay.objects.bulk_create(days)
    WorkCalendar.objects.get_or_create(
        code="24x7", defaults={"name": "全天候（自然时间）", "kind": "24x7"}
    )
    working, created = WorkCalendar.objects.get_or_create(
        code="working_hours",
        defaults={
            "name": "工作时间（8:30-12:00，14:00-17:30）",
            "kind": "working_hours",
            "holidays": table,
        },
    )
    if created:
        WorkPeriod.objects.bulk_create(
            [
                WorkPeriod(calendar=working, weekday=wd, starts_at=a, ends_at=b)
                for wd in range(5)
                for a, b in ((dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30)))
            ]
        )
