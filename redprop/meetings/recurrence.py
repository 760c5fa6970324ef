"""Expanding a series' RFC 5545 rule into dated occurrences (pure, no writes).

The rule is stored as text (``FREQ=MONTHLY;BYMONTHDAY=4,14,24``) and expanded with
python-dateutil's ``rrulestr`` from the series' first day. RFC 5545 drops a
BYMONTHDAY that a month lacks (the 31st in April, the 29th–31st in a common
February) rather than moving it; a rule meaning "the last day" says
``BYMONTHDAY=-1``. One occurrence may be moved or cancelled (an override keyed by
its rule date), and an occurrence that falls on a day off of the holiday table
(``redprop.calendars``) is flagged so the convener can move it.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import (  # type: ignore[import-untyped]
    DAILY,
    MONTHLY,
    WEEKLY,
    YEARLY,
    rrule,
    rrulestr,
)
from django.conf import settings
from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError
from redprop.meetings.errors import MeetingError

ALLOWED_FREQS = frozenset({YEARLY, MONTHLY, WEEKLY, DAILY})
# A rule may not make more meetings than one a day.
MAX_PER_YEAR = 366
# Parts a stored rule may hold (no DTSTART/time parts: the series holds the time).
ALLOWED_PARTS = frozenset(
    {"FREQ", "INTERVAL", "BYMONTHDAY", "BYDAY", "BYMONTH", "BYSETPOS", "UNTIL", "COUNT", "WKST"}
)


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=1024)
def parse_rule(rule: str, starts_on: dt.date) -> rrule:
    """The dateutil rule for ``rule`` from ``starts_on``; 400 ``meeting_invalid_rule``
    for anything that is not a daily-or-slower RFC 5545 RRULE of the allowed parts."""
    text = (rule or "").strip().upper()
    if text.startswith("RRULE:"):
        text = text[6:]

    def bad(message: str) -> ApplicationError:
        return ApplicationError(MeetingError.INVALID_RULE, message, field="rule")

    if not text or len(text) > 300 or any(c in text for c in "\r\n"):
        raise bad(_("重复规则格式不正确"))
    parts = {}
    for part in text.split(";"):
        key, sep, value = part.partition("=")
        if not sep or not value or key not in ALLOWED_PARTS or key in parts:
            raise bad(_("重复规则含有不支持的部分：%(part)s") % {"part": part[:40]})
        parts[key] = value
    if "FREQ" not in parts:
        raise bad(_("重复规则缺少 FREQ"))
    for key, lo, hi in (("BYMONTHDAY", 1, 31), ("BYMONTH", 1, 12), ("BYSETPOS", 1, 366)):
        for raw in parts.get(key, "").split(",") if key in parts else ():
            n = int(raw) if raw.lstrip("+-").isdigit() and len(raw) <= 4 else 0
            if not lo <= abs(n) <= hi or (key == "BYMONTH" and n < 0):
                raise bad(_("重复规则中 %(key)s 的取值无效") % {"key": key})
    try:
        parsed = rrulestr(text, dtstart=dt.datetime.combine(starts_on, dt.time()), ignoretz=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise bad(_("重复规则格式不正确")) from exc
    if not isinstance(parsed, rrule) or parsed._freq not in ALLOWED_FREQS:
        raise bad(_("会议最多每天一次（FREQ 只能是 YEARLY、MONTHLY、WEEKLY 或 DAILY）"))
    # e.g. BYMONTH=2;BYMONTHDAY=30: a rule that never happens (checked over 8 years,
    # so 29 February still counts).
    if "COUNT" not in parts and "UNTIL" not in parts:
        begin = dt.datetime.combine(starts_on, dt.time())
        first = parsed.between(begin, begin + dt.timedelta(days=366 * 8), inc=True)
    else:
        first = [True]
    if not first:
        raise bad(_("重复规则不会产生任何会期"))
    return parsed


def rule_dates(rule: str, starts_on: dt.date, start: dt.date, end: dt.date) -> list[dt.date]:
    """The rule's dates in ``[start, end]`` (both inclusive)."""
    if end < start:
        return []
    parsed = parse_rule(rule, starts_on)
    lo = dt.datetime.combine(max(start, starts_on), dt.time())
    hi = dt.datetime.combine(end, dt.time())
    return [d.date() for d in parsed.between(lo, hi, inc=True)]


@dataclass(frozen=True)
class Occurrence:
    """One dated occurrence of a series as the calendar shows it."""

    series_id: int
    rule_date: dt.date  # the date the rule gives (the override's key)
    starts_at: dt.datetime  # aware, after any move
    ends_at: dt.datetime
    cancelled: bool = False
    moved: bool = False
    holiday: bool = False  # the rule date is a day off by the holiday table
    reason: str = ""

    @property
    def uid(self) -> str:
        return f"series-{self.series_id}-{self.rule_date.isoformat()}@redprop"


def is_day_off(day: dt.date) -> bool:
    """A statutory holiday or 调休 day off (not an ordinary weekend): the holiday
    table of ``redprop.calendars``, else the statutory days computed for the year."""
    from redprop.calendars import engine
    from redprop.calendars.selectors import day_table

    table = day_table(engine.DEFAULT_HOLIDAYS)
    if table is not None and table.covers(day.year):
        return day in table.days_off
    return day in engine.statutory_days_off(day.year)


def expand(
    series: Any,
    start: dt.date,
    end: dt.date,
    *,
    overrides: Mapping[dt.date, Any] | None = None,
    flag_holidays: bool = True,
) -> list[Occurrence]:
    """The series' occurrences whose rule date or moved date falls in ``[start, end]``,
    with its overrides applied (cancelled ones included, marked)."""
    tz = zone()
    if overrides is None:
        overrides = {o.original_date: o for o in series.overrides.all()}
    last = min(end, series.ends_on) if series.ends_on else end
    candidates = set(rule_dates(series.rule, series.starts_on, start, last))
    # A move may bring in an occurrence whose rule date lies outside the window.
    for day, o in overrides.items():
        if day in candidates or o.action != "moved" or o.new_start is None:
            continue
        if start <= o.new_start.astimezone(tz).date() <= end and _is_rule_date(series, day):
            candidates.add(day)
    duration = dt.timedelta(minutes=series.duration_minutes)
    out = []
    for day in sorted(candidates):
        o = overrides.get(day)
        starts = dt.datetime.combine(day, series.start_time, tzinfo=tz)
        moved = cancelled = False
        reason = ""
        if o is not None:
            reason = o.reason
            if o.action == "cancelled":
                cancelled = True
            elif o.new_start is not None:
                starts, moved = o.new_start.astimezone(tz), True
                if not start <= starts.date() <= end:
                    continue  # moved out of the window
        out.append(
            Occurrence(
                series_id=series.pk,
                rule_date=day,
                starts_at=starts,
                ends_at=starts + duration,
                cancelled=cancelled,
                moved=moved,
                holiday=flag_holidays and is_day_off(day),
                reason=reason,
            )
        )
    out.sort(key=lambda x: x.starts_at)
    return out


def _is_rule_date(series: Any, day: dt.date) -> bool:
    return day in rule_dates(series.rule, series.starts_on, day, day)


def next_dates(rule: str, starts_on: dt.date, after: dt.date, count: int) -> list[dt.date]:
    """The first ``count`` rule dates strictly after ``after``."""
    parsed = parse_rule(rule, starts_on)
    out: list[dt.date] = []
    moment = dt.datetime.combine(max(after, starts_on - dt.timedelta(days=1)), dt.time())
    while len(out) < count:
        nxt = parsed.after(moment, inc=False)
        if nxt is None:
            break
        out.append(nxt.date())
        moment = nxt
    return out


def oracle_dates(
    start: dt.date, end: dt.date, bymonthday: Iterable[int] = (4, 14, 24)
) -> list[dt.date]:
    """dateutil's own monthly rule built from arguments (the tests' oracle)."""
    return [
        d.date()
        for d in rrule(
            MONTHLY,
            dtstart=dt.datetime.combine(start, dt.time()),
            until=dt.datetime.combine(end, dt.time()),
            bymonthday=tuple(bymonthday),
        )
    ]
