"""Deadline calendars (计时日历): the arithmetic, in pure Python, no database.

The "5341" rapid response (DOMAIN.md §3) sets its targets in *counted* time. Some
targets run round the clock (arrive on site within 5 minutes), others count only
working time (a written plan within 1 working day). Which calendar a target uses
is policy data (``redprop.calendars.models``); this module only does the
arithmetic. ``redprop.calendars.selectors`` builds calendars from the records.

A :class:`Calendar` answers three questions:

* ``add(start, duration)``: the instant at which ``duration`` of counted time has
  elapsed since ``start`` (the deadline, 截止时间);
* ``elapsed(start, end)``: how much counted time lies between two instants;
* ``working_days_end(start, n)``: the end of the ``n``-th working day after the
  day of ``start`` (targets in working days, 工作日; see below).

:func:`add_with_pauses` and :func:`elapsed_with_pauses` also stop the clock while
a request is paused (waiting_on_resident, 等待居民补充).

Working days (工作日)
---------------------
China's working days are not simply Monday to Friday: statutory holidays
(法定节假日) are days off, and each year the State Council's notice turns some
Saturdays and Sundays into working days (调休). Those days are data: a
:class:`DayTable` holds the days off and the adjusted working days of the years
that were loaded (``redprop.calendars.models.HolidayYear``). For a day of a year
the table does not cover, :class:`WorkingHours` records the year in
``missing_years`` (the request is flagged 节假日安排未录入) and guesses: the
statutory holidays fixed by law (《全国年节及纪念日放假办法》) as computed by
``holidays.China(observed=False)`` are off, with no 调休.

Periods are given per weekday (Monday = 0). A day off in the table has no
periods; an adjusted working day (调休上班) has the periods of an ordinary working
day: Monday's, or the first weekday's that has any.

Targets in working days
-----------------------
"Within N working days" ends at the close of the N-th working day after the day
the clock starts; that day itself does not count (《民法典》第二百零一条: 开始的当日不计入;
第二百零三条: a period that ends on a day off ends on the next working day, and
at the close of business when there is one). So a plan required on Monday at
10:00 within 1 working day is due on Tuesday at 17:30. A working day is a day
on which the calendar has working time; for the 24×7 calendar every day is one,
and its day ends at 24:00.

Instants
--------
Every datetime must be timezone-aware (a naive one raises ``ValueError``).
Working time is reckoned in the calendar's local time zone (Asia/Shanghai by
default). Differences are taken in UTC, so the arithmetic would also be right in
a zone with daylight saving time. Returned datetimes are aware and expressed in
the calendar's time zone.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays

logger = logging.getLogger(__name__)

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 0), time(17, 30)),
)
# The holiday table of mainland China (seeded by the calendars app's migrations).
DEFAULT_HOLIDAYS = "CN"
ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
# A calendar with no working time would make ``add`` search forever. No real
# calendar is idle this long (Spring Festival is about nine days).
_MAX_IDLE_DAYS = 366

Pause = tuple[datetime, datetime | None]
Periods = tuple[tuple[time, time], ...]
WORKWEEK = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class DayTable:
    """A holiday table (节假日安排表) as loaded: the years it covers, their days off
    (法定节假日, including the days added by the notice) and their adjusted working
    days (调休上班). Immutable; shared by every calendar that uses the table."""

    code: str
    years: frozenset[int] = frozenset()
    days_off: frozenset[date] = frozenset()
    days_on: frozenset[date] = frozenset()
    provisional_years: frozenset[int] = field(default=frozenset())

    def covers(self, year: int) -> bool:
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, less the days off, plus the adjusted working days; for a
        year the table does not cover, the statutory holidays are off (no 调休)."""
        if day in self.days_on:
            return True
        if day in self.days_off:
            return False
        if day.year not in self.years and day in statutory_days_off(day.year):
            return False
        return day.weekday() < 5


@functools.cache
def statutory_days_off(year: int) -> frozenset[date]:
    """The statutory holidays of ``year`` computed by rule (``holidays.China``, not
    observed): the guess for a year with no loaded table. Empty if unknown."""
    try:
        return frozenset(holidays.China(years=year, observed=False))
    except (NotImplementedError, ValueError, KeyError):  # pragma: no cover - library limits
        return frozenset()


class Calendar(Protocol):
    """Counts time between instants. Implementations keep this contract.

    ``add(start, d)`` with ``d > 0`` is the *earliest* instant ``t`` with
    ``elapsed(start, t) == d``. ``add(start, 0)`` is the first counted instant at
    or after ``start``: ``start`` itself if the clock is running then. Both raise
    ``ValueError`` for naive datetimes or a negative duration.
    """

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the instant at which ``duration`` of counted time has elapsed from ``start``."""
        ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Return the counted time between ``start`` and ``end`` (zero if ``end <= start``)."""
        ...

    def working_days_end(self, start: datetime, days: int) -> datetime:
        """Return the close of the ``days``-th working day after the day of ``start``."""
        ...


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _require_duration(duration: timedelta) -> None:
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration!r}")


def _require_days(days: int) -> None:
    if days < 1:
        raise ValueError(f"a target in working days needs at least 1 day, got {days!r}")


class AlwaysOn:
    """The 24x7 calendar (全天候): every instant counts."""

    def __init__(self, tz: str = DEFAULT_TZ) -> None:
        self.tz = ZoneInfo(tz)

    def __repr__(self) -> str:
        return f"AlwaysOn(tz={self.tz.key!r})"

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return ``start + duration``."""
        _require_aware(start, "start")
        _require_duration(duration)
        return (start.astimezone(UTC) + duration).astimezone(self.tz)

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Return ``end - start``, or zero if ``end <= start``."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        # In UTC: subtracting datetimes that share a tzinfo ignores DST.
        return max(end.astimezone(UTC) - start.astimezone(UTC), ZERO)

    def working_days_end(self, start: datetime, days: int) -> datetime:
        """Return 24:00 of the ``days``-th day after the day of ``start``: every day counts."""
        _require_aware(start, "start")
        _require_days(days)
        day = start.astimezone(self.tz).date() + _ONE_DAY * (days + 1)
        return datetime.combine(day, time(0), tzinfo=self.tz)


class WorkingHours:
    """Working-hours calendar (工作时间): the clock runs only inside the periods of working days.

    Periods are local wall-clock ``(start, end)`` pairs, each half-open
    ``[start, end)``. They must not overlap and must have ``start < end`` (so no
    period reaches 24:00). Give either ``periods`` (the same periods Monday to
    Friday; the default is 08:30-12:00 and 14:00-17:30) or ``week`` (periods per
    weekday, Monday = 0; a weekday left out has none).

    Which days are off: ``table`` (a :class:`DayTable`: its days off have no
    periods, its adjusted working days have Monday's), or ``day_kind`` (a function
    saying whether a date is a working day: such a day has the periods of its
    weekday, or Monday's on a weekend). With neither, no day is a holiday. Days of
    years the table does not cover are recorded in ``missing_years``.

    A deadline that falls exactly at the end of a period is that end (12:00), not
    the start of the next period (14:00).
    """

    def __init__(
        self,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        tz: str = DEFAULT_TZ,
        day_kind: Callable[[date], bool] | None = None,
        *,
        week: Mapping[int, Sequence[tuple[time, time]]] | None = None,
        table: DayTable | None = None,
    ) -> None:
        if week is None:
            week = dict.fromkeys(WORKWEEK, periods)
        self.week: dict[int, Periods] = {
            wd: _validate_periods(ps) for wd, ps in sorted(week.items()) if ps
        }
        if not self.week:
            raise ValueError("a working-hours calendar needs at least one period")
        if any(wd not in range(7) for wd in self.week):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        self.ordinary: Periods = self.week.get(0) or next(iter(self.week.values()))
        self.periods = self.ordinary
        self.tz = ZoneInfo(tz)
        self.day_kind = day_kind
        self.table = table
        self.missing_years: set[int] = set()
        # A sweep recomputes many deadlines over the same few weeks; building the
        # aware datetimes of a day dominates the cost, so keep recent days.
        self._intervals = functools.lru_cache(maxsize=2048)(self._day_intervals)

    def __repr__(self) -> str:
        spans = ", ".join(
            f"{a.isoformat('minutes')}-{b.isoformat('minutes')}" for a, b in self.periods
        )
        return f"WorkingHours([{spans}], tz={self.tz.key!r})"

    def periods_of(self, day: date) -> Periods:
        """The local periods of ``day`` after holidays and adjusted working days."""
        if self.day_kind is not None:
            if not self.day_kind(day):
                return ()
            return self.week.get(day.weekday()) or self.ordinary
        table = self.table
        if table is not None:
            if day.year not in table.years:
                self.missing_years.add(day.year)
                if day in statutory_days_off(day.year):
                    return ()
            elif day in table.days_off:
                return ()
            elif day in table.days_on:
                return self.ordinary
        return self.week.get(day.weekday(), ())

    def working_days_end(self, start: datetime, days: int) -> datetime:
        """Return the end of the last period of the ``days``-th working day after the
        day of ``start`` (that day itself does not count)."""
        _require_aware(start, "start")
        _require_days(days)
        day = start.astimezone(self.tz).date()
        counted = idle_days = 0
        while True:
            day += _ONE_DAY
            intervals = self._intervals(day)
            if not intervals:
                idle_days += 1
                if idle_days > _MAX_IDLE_DAYS:
                    raise ValueError(f"{self!r} has no working time in the year before {day}")
                continue
            idle_days = 0
            counted += 1
            if counted == days:
                return intervals[-1][1].astimezone(self.tz)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the deadline ``duration`` of working time after ``start``.

        If ``start`` is outside working time the clock starts at the next working
        instant. The search steps over days and periods, never minutes.
        """
        _require_aware(start, "start")
        _require_duration(duration)
        cursor = start.astimezone(UTC)
        remaining = duration
        day = start.astimezone(self.tz).date()
        idle_days = 0
        while True:
            intervals = self._intervals(day)
            for period_start, period_end in intervals:
                if period_end <= cursor:
                    continue
                begin = max(period_start, cursor)
                available = period_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(self.tz)
                remaining -= available
            idle_days = 0 if intervals else idle_days + 1
            if idle_days > _MAX_IDLE_DAYS:
                raise ValueError(
                    f"{self!r} has no working time in the year after {day - _ONE_DAY * idle_days}"
                )
            day += _ONE_DAY

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Return the working time between ``start`` and ``end`` (zero if ``end <= start``)."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        lo, hi = start.astimezone(UTC), end.astimezone(UTC)
        total = ZERO
        if hi <= lo:
            return total
        day = start.astimezone(self.tz).date()
        last_day = end.astimezone(self.tz).date()
        while day <= last_day:
            for period_start, period_end in self._intervals(day):
                overlap = min(period_end, hi) - max(period_start, lo)
                if overlap > ZERO:
                    total += overlap
            day += _ONE_DAY
        return total

    def _day_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Return the working periods of ``day`` as UTC instants, in order."""
        intervals = []
        for a, b in self.periods_of(day):
            begin = datetime.combine(day, a, tzinfo=self.tz).astimezone(UTC)
            end = datetime.combine(day, b, tzinfo=self.tz).astimezone(UTC)
            if end > begin:  # a period swallowed by a DST gap is empty
                intervals.append((begin, end))
        return tuple(intervals)


def _validate_periods(periods: Sequence[tuple[time, time]]) -> tuple[tuple[time, time], ...]:
    result = tuple(sorted((a, b) for a, b in periods))
    if not result:
        raise ValueError("a working-hours calendar needs at least one period")
    for a, b in result:
        if a.tzinfo is not None or b.tzinfo is not None:
            raise ValueError("periods are local wall-clock times and must be naive")
        if not a < b:
            raise ValueError(f"period {a}-{b} must start before it ends")
    for (_, end), (begin, _) in itertools.pairwise(result):
        if begin < end:
            raise ValueError(f"periods overlap around {begin}")
    return result


def calendar_from_spec(
    spec: str | Mapping[str, object],
    table_for: Callable[[str], DayTable | None] | None = None,
) -> Calendar:
    """Build a calendar from the spec frozen on a request (a string or a JSON object).

    * ``"24x7"`` or ``{"kind": "24x7"}``: :class:`AlwaysOn`;
    * ``"working_hours"``: :class:`WorkingHours` with the default periods Monday to
      Friday and the ``"CN"`` holiday table (the only names before calendars were
      records; requests filed then keep them);
    * ``{"kind": "working_hours", "periods": [["08:30", "12:00"], ...], "tz": ...}``:
      the same with other periods (also the old form);
    * ``{"kind": "working_hours", "week": {"0": [["08:30", "12:00"]], ...},
      "holidays": "CN" | None, "tz": ..., "id": 3, "code": "..."}``: a calendar record
      (``redprop.calendars.selectors.calendar_spec``).

    ``table_for`` looks a holiday table up by its code (no table when absent).
    Raises ``ValueError`` for an unknown kind, an unknown key or a malformed period.
    """
    data: Mapping[str, object] = {"kind": spec} if isinstance(spec, str) else spec
    kind = data.get("kind")
    common = {"kind", "tz", "id", "code", "name"}
    allowed = {"24x7": common, "working_hours": common | {"periods", "week", "holidays"}}
    if not isinstance(kind, str) or kind not in allowed:
        raise ValueError(f"unknown calendar kind {kind!r}; expected one of {sorted(allowed)}")
    extra = set(data) - allowed[kind]
    if extra:
        raise ValueError(f"unknown keys for a {kind!r} calendar: {sorted(extra)}")
    tz = data.get("tz", DEFAULT_TZ)
    if not isinstance(tz, str):
        raise ValueError(f"tz must be a time-zone name, got {tz!r}")
    if kind == "24x7":
        return AlwaysOn(tz=tz)
    code = data.get("holidays", DEFAULT_HOLIDAYS)
    if code is not None and not isinstance(code, str):
        raise ValueError(f"holidays must be a holiday table's code, got {code!r}")
    table = table_for(code) if (table_for is not None and code) else None
    if "week" in data:
        raw = data["week"]
        if not isinstance(raw, Mapping):
            raise ValueError(f"week must map weekdays to periods, got {raw!r}")
        try:
            week = _parse_week(json.dumps(raw, sort_keys=True))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"malformed week {raw!r}") from exc
        return WorkingHours(tz=tz, week=week, table=table)
    if "periods" not in data:
        return WorkingHours(tz=tz, table=table)
    return WorkingHours(periods=_parse_periods(data["periods"]), tz=tz, table=table)


@functools.lru_cache(maxsize=256)
def _parse_week(raw: str) -> dict[int, tuple[tuple[time, time], ...]]:
    """The periods per weekday of a spec's ``week`` (a few distinct ones: cached)."""
    return {int(wd): _validate_periods(_parse_periods(ps)) for wd, ps in json.loads(raw).items()}


def _parse_periods(raw: object) -> list[tuple[time, time]]:
    if not isinstance(raw, list | tuple):
        raise ValueError(f"periods must be a list of [start, end] pairs, got {raw!r}")
    periods = []
    for pair in raw:
        if not (isinstance(pair, list | tuple) and len(pair) == 2):
            raise ValueError(f"a period must be a [start, end] pair, got {pair!r}")
        try:
            begin, end = (time.fromisoformat(part) for part in pair)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"a period needs two HH:MM times, got {pair!r}") from exc
        periods.append((begin, end))
    return periods


def _merge_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    """Return the pauses sorted, with overlapping or touching ones merged.

    An open pause (end ``None``) absorbs every pause that starts after it.
    """
    items: list[Pause] = []
    for begin, end in pauses:
        _require_aware(begin, "pause start")
        if end is not None:
            _require_aware(end, "pause end")
            if end < begin:
                raise ValueError(f"pause ends ({end}) before it starts ({begin})")
            if end == begin:
                continue
        items.append((begin, end))
    items.sort(key=lambda pause: pause[0])
    merged: list[Pause] = []
    for begin, end in items:
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break
            if begin <= last_end:
                merged[-1] = (last_begin, None if end is None else max(last_end, end))
                continue
        merged.append((begin, end))
    return merged


def _running_spans(
    start: datetime, pauses: Iterable[Pause]
) -> Iterator[tuple[datetime, datetime | None]]:
    """Yield, in order, the spans from ``start`` on when the clock is not paused.

    The last span is open-ended (``None``) unless an open pause stops the clock for good.
    """
    cursor = start
    for begin, end in _merge_pauses(pauses):
        if end is not None and end <= cursor:
            continue
        if begin > cursor:
            yield cursor, begin
        if end is None:
            return
        cursor = max(cursor, end)
    yield cursor, None


def add_with_pauses(
    cal: Calendar, start: datetime, duration: timedelta, pauses: Iterable[Pause]
) -> datetime | None:
    """Return the deadline when the clock also stops during ``pauses`` (waiting_on_resident).

    ``pauses`` are ``(start, end)`` pairs. They may overlap and may reach before
    ``start``. ``end is None`` is a pause that is still open. Time inside a pause is
    not counted, so a pause pushes the deadline back by the counted time it covers.
    The result is ``None`` if an open pause starts before the deadline is reached:
    no deadline while paused. Otherwise it follows the :class:`Calendar` contract
    for ``add``, with paused instants not counted.
    """
    _require_aware(start, "start")
    _require_duration(duration)
    remaining = duration
    for begin, end in _running_spans(start, pauses):
        if end is None:
            return cal.add(begin, remaining)
        available = cal.elapsed(begin, end)
        # With nothing counted in the span, even a zero duration cannot end inside it.
        if available > ZERO and remaining <= available:
            return cal.add(begin, remaining)
        remaining -= available
    return None


def elapsed_with_pauses(
    cal: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause]
) -> timedelta:
    """Return the counted time between ``start`` and ``end``, leaving out ``pauses``."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    total = ZERO
    for begin, span_end in _running_spans(start, pauses):
        if begin >= end:
            break
        total += cal.elapsed(begin, end if span_end is None else min(span_end, end))
    return total
