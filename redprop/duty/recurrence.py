"""When a shift runs: arithmetic over a weekly pattern; the only data it reads is the
holiday table (redprop.calendars, from reference data in memory).

A shift *occurrence* belongs to the local date it starts on (Asia/Shanghai by
default). It runs that day from ``starts_at`` until ``ends_at`` the same day, or,
when ``ends_at <= starts_at``, until ``ends_at`` the next day (a shift that crosses
midnight). A start date qualifies when all of these hold:

* it lies within ``effective_from`` … ``effective_to`` (both inclusive; the last
  occurrence of a night shift still runs into the morning after ``effective_to``);
* its weekday is ticked in ``weekdays`` (Monday = bit 0 … Sunday = bit 6);
* the day rule allows it: ``all`` any day, ``working`` only China's working days,
  ``rest`` only days off (``redprop.calendars.selectors.is_working_day``, the holiday table ``CN``: statutory
  holidays off, 调休 weekend working days on);
* for a rotation (``every_weeks`` = N > 1), the week is 0, N, 2N… weeks after the
  week (Monday to Sunday) of ``effective_from``.

The recurrence is deliberately this weekly pattern and no more, so it needs no
RFC 5545 machinery; docs/adr/0005-duty-roster-and-assignment.md says why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from redprop.calendars.selectors import is_working_day
from redprop.duty.choices import DayRule

SHANGHAI = ZoneInfo("Asia/Shanghai")
_DAY = dt.timedelta(days=1)
# Overlap checks look this far ahead of the later of the two start dates: a year of
# holidays, and every rotation of up to 8 weeks repeats within it.
OVERLAP_HORIZON_DAYS = 400


class PatternLike(Protocol):
    """What the recurrence reads (a ``Shift``, a ``Pattern`` or a selector's tuple)."""

    @property
    def weekdays(self) -> int: ...
    @property
    def day_rule(self) -> str: ...
    @property
    def every_weeks(self) -> int: ...
    @property
    def starts_at(self) -> dt.time: ...
    @property
    def ends_at(self) -> dt.time: ...
    @property
    def effective_from(self) -> dt.date: ...
    @property
    def effective_to(self) -> dt.date | None: ...


@dataclass(frozen=True)
class Pattern:
    """The recurrence fields of a shift (a ``Shift`` row satisfies the same protocol)."""

    weekdays: int
    starts_at: dt.time
    ends_at: dt.time
    effective_from: dt.date
    effective_to: dt.date | None = None
    day_rule: str = DayRule.ALL
    every_weeks: int = 1


def crosses_midnight(p: PatternLike) -> bool:
    return p.ends_at <= p.starts_at


def _minutes(t: dt.time) -> float:
    return t.hour * 60 + t.minute + t.second / 60 + t.microsecond / 60e6


def length(p: PatternLike) -> dt.timedelta:
    """How long one occurrence lasts (wall-clock; Asia/Shanghai has no DST)."""
    span = _minutes(p.ends_at) - _minutes(p.starts_at)
    return dt.timedelta(minutes=span + (24 * 60 if span <= 0 else 0))


def runs_on(p: PatternLike, day: dt.date) -> bool:
    """Does an occurrence of ``p`` start on local date ``day``?"""
    if day < p.effective_from or (p.effective_to is not None and day > p.effective_to):
        return False
    if not p.weekdays & (1 << day.weekday()):
        return False
    if p.every_weeks > 1:
        anchor = p.effective_from - dt.timedelta(days=p.effective_from.weekday())
        if ((day - anchor).days // 7) % p.every_weeks:
            return False
    if p.day_rule == DayRule.WORKING:
        return is_working_day(day)
    if p.day_rule == DayRule.REST:
        return not is_working_day(day)
    return True


def occurrence(
    p: PatternLike, day: dt.date, tz: ZoneInfo = SHANGHAI
) -> tuple[dt.datetime, dt.datetime]:
    """The aware start and end of the occurrence that starts on ``day`` (not checked)."""
    start = dt.datetime.combine(day, p.starts_at, tzinfo=tz)
    end_day = day + _DAY if crosses_midnight(p) else day
    return start, dt.datetime.combine(end_day, p.ends_at, tzinfo=tz)


def occurrences(
    p: PatternLike, first: dt.date, last: dt.date, tz: ZoneInfo = SHANGHAI
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """Occurrences starting on ``first`` … ``last`` (inclusive), in order."""
    day = first
    while day <= last:
        if runs_on(p, day):
            yield occurrence(p, day, tz)
        day += _DAY


def on_duty(p: PatternLike, at: dt.datetime, tz: ZoneInfo = SHANGHAI) -> bool:
    """Is an occurrence of ``p`` running at the aware instant ``at`` (start inclusive,
    end exclusive)?"""
    if at.tzinfo is None:
        raise ValueError("on_duty needs an aware datetime")
    local = at.astimezone(tz)
    day, now = local.date(), local.time()
    if not crosses_midnight(p):
        return p.starts_at <= now < p.ends_at and runs_on(p, day)
    return (now >= p.starts_at and runs_on(p, day)) or (now < p.ends_at and runs_on(p, day - _DAY))


def covering_day(
    p: PatternLike, day: dt.date, tz: ZoneInfo = SHANGHAI
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Occurrences that run for some part of local date ``day``: the one starting that
    day, and last night's one that runs into the morning."""
    out = []
    if crosses_midnight(p) and runs_on(p, day - _DAY):
        out.append(occurrence(p, day - _DAY, tz))
    if runs_on(p, day):
        out.append(occurrence(p, day, tz))
    return out


def _span(p: PatternLike, day: dt.date) -> tuple[float, float]:
    """An occurrence as minutes on a proleptic axis (no time zone needed: same zone)."""
    start = day.toordinal() * 1440 + _minutes(p.starts_at)
    return start, start + length(p).total_seconds() / 60


def first_overlap(
    a: PatternLike, b: PatternLike, horizon_days: int = OVERLAP_HORIZON_DAYS
) -> dt.date | None:
    """The first start date of an occurrence of ``a`` that overlaps one of ``b`` (touching
    ends do not overlap), looking up to ``horizon_days`` after the later start; None
    if there is none."""
    first = max(a.effective_from, b.effective_from) - _DAY
    ends = [e for e in (a.effective_to, b.effective_to) if e is not None]
    last = min([*ends, first + dt.timedelta(days=horizon_days)]) + _DAY
    day = first
    while day <= last:
        if runs_on(a, day):
            s1, e1 = _span(a, day)
            for other in (day - _DAY, day, day + _DAY):
                if runs_on(b, other):
                    s2, e2 = _span(b, other)
                    if s1 < e2 and s2 < e1:
                        return day
        day += _DAY
    return None
