"""Deadline calendars (时限日历) for the service-request SLA clock.

The "5341" rapid response (DOMAIN.md §3) sets its targets in *counted* time. Some
targets run round the clock (arrive on site within 5 minutes), others count only
working time (a written plan within 1 working day). Which calendar a target uses
is policy data; this module only does the arithmetic, in pure Python, with no
database access.

A :class:`Calendar` answers two questions:

* ``add(start, duration)``: the instant at which ``duration`` of counted time has
  elapsed since ``start`` (the deadline, 截止时间);
* ``elapsed(start, end)``: how much counted time lies between two instants.

:func:`add_with_pauses` and :func:`elapsed_with_pauses` also stop the clock while
a request is paused (waiting_on_resident, 等待居民补充).

Working days (工作日)
---------------------
China's working days are not simply Monday to Friday: statutory holidays
(法定节假日) are days off, and each year the State Council's arrangement turns some
Saturdays and Sundays into working days (调休, e.g. Sunday 2025-09-28). Both
installed libraries were checked in November 2026:

* ``chinesecalendar`` 1.11 (import ``chinese_calendar``) knows the holidays and
  the 调休 working days for **2004-2026**, and raises ``NotImplementedError``
  for any other year.
* ``holidays`` 0.109 (``holidays.China``) has the same days off and the same
  ``weekend_workdays`` for 2024-2026. For 2027 and later it computes only the
  statutory holidays by rule (plus guessed "observed" days), and it cannot know
  调休 days that have not been announced yet.

:func:`is_working_day` therefore uses ``chinese_calendar`` for 2004-2026. For
any other year (2027 at the time of writing; the State Council publishes each
year's arrangement around November) it logs one warning per year and falls
back to Saturdays and Sundays off, plus the statutory holidays fixed by law
(《全国年节及纪念日放假办法》) as computed by ``holidays.China(observed=False)``,
with no 调休. If ``holidays`` does not know the year either, only weekends are
off. It never raises. Upgrade ``chinesecalendar`` when a release covers the new
year.

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
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays

logger = logging.getLogger(__name__)

DEFAULT_TZ = "Asia/Shanghai"
DEFAULT_PERIODS: tuple[tuple[time, time], ...] = (
    (time(8, 30), time(12, 0)),
    (time(14, 0), time(17, 30)),
)
ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
# A calendar with no working time would make ``add`` search forever. No real
# calendar is idle this long (Spring Festival is about nine days).
_MAX_IDLE_DAYS = 366

Pause = tuple[datetime, datetime | None]


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


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _require_duration(duration: timedelta) -> None:
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration!r}")


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


class WorkingHours:
    """Working-hours calendar (工作时间): the clock runs only inside ``periods`` on working days.

    ``periods`` are local wall-clock ``(start, end)`` pairs, each half-open
    ``[start, end)``. They must not overlap and must have ``start < end`` (so no
    period reaches 24:00). The default is 08:30-12:00 and 14:00-17:30. ``day_kind``
    tells whether a date is a working day; the default is :func:`is_working_day`
    (Chinese holidays and 调休).

    A deadline that falls exactly at the end of a period is that end (12:00), not
    the start of the next period (14:00).
    """

    def __init__(
        self,
        periods: Sequence[tuple[time, time]] = DEFAULT_PERIODS,
        tz: str = DEFAULT_TZ,
        day_kind: Callable[[date], bool] | None = None,
    ) -> None:
        self.periods = _validate_periods(periods)
        self.tz = ZoneInfo(tz)
        self.day_kind: Callable[[date], bool] = day_kind or is_working_day
        # A sweep recomputes many deadlines over the same few weeks; building the
        # aware datetimes of a day dominates the cost, so keep recent days.
        self._intervals = functools.lru_cache(maxsize=2048)(self._day_intervals)

    def __repr__(self) -> str:
        spans = ", ".join(
            f"{a.isoformat('minutes')}-{b.isoformat('minutes')}" for a, b in self.periods
        )
        return f"WorkingHours([{spans}], tz={self.tz.key!r})"

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
        if not self.day_kind(day):
            return ()
        intervals = []
        for a, b in self.periods:
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


@functools.cache
def _working_days_of_year(year: int) -> frozenset[date]:
    """Return every working day of ``year`` (see the module docstring for the sources)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    days = [first + _ONE_DAY * n for n in range((last - first).days + 1)]
    try:
        # chinese_calendar.is_workday costs ~20 µs a call (it re-derives its year range
        # each time), so ask it only about weekends; one range query covers the weekdays.
        days_off = frozenset(chinese_calendar.get_holidays(first, last, include_weekends=False))
    except NotImplementedError:
        pass
    else:
        return frozenset(
            d
            for d in days
            if (chinese_calendar.is_workday(d) if d.weekday() >= 5 else d not in days_off)
        )
    statutory = holidays.China(years=year, observed=False)
    logger.warning(
        "chinese_calendar has no holiday data for %s: counting weekends and %d statutory "
        "holidays as days off, without 调休 working days; upgrade chinesecalendar",
        year,
        len(statutory),
    )
    return frozenset(d for d in days if d.weekday() < 5 and d not in statutory)


def is_working_day(day: date) -> bool:
    """Return whether ``day`` is a working day (工作日) in mainland China.

    Holidays are off and 调休 weekend working days are on, for the years
    ``chinese_calendar`` knows. Other years use the fallback described in the
    module docstring.
    """
    return day in _working_days_of_year(day.year)


def calendar_from_spec(spec: str | Mapping[str, object]) -> Calendar:
    """Build a calendar from policy data (a string or a JSON object).

    * ``"24x7"`` or ``{"kind": "24x7"}``: :class:`AlwaysOn`;
    * ``"working_hours"``: :class:`WorkingHours` with the default periods;
    * ``{"kind": "working_hours", "periods": [["08:30", "12:00"], ["14:00", "17:30"]],
      "tz": "Asia/Shanghai"}``: ``periods`` and ``tz`` are optional.

    Raises ``ValueError`` for an unknown kind, an unknown key or a malformed period.
    """
    data: Mapping[str, object] = {"kind": spec} if isinstance(spec, str) else spec
    kind = data.get("kind")
    allowed = {"24x7": {"kind", "tz"}, "working_hours": {"kind", "periods", "tz"}}
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
    if "periods" not in data:
        return WorkingHours(tz=tz)
    return WorkingHours(periods=_parse_periods(data["periods"]), tz=tz)


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
