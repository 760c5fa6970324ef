"""The roster's weekly recurrence agrees with RFC 5545, as python-dateutil computes it.

``duty.recurrence`` evaluates "is this shift running now" in a few integer
operations, because the intake asks it on every filing. Here the library is the
oracle: the same pattern written as an RRULE (``FREQ=WEEKLY;INTERVAL=N;BYDAY=…;
WKST=MO`` from the Monday of the start week, ``UNTIL`` the end date), then China's
working-day rule applied, gives exactly the days ``runs_on`` says.
"""

from __future__ import annotations

import datetime as dt

import pytest
from dateutil import rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from redprop.calendars.selectors import is_working_day
from redprop.duty.choices import DayRule
from redprop.duty.recurrence import Pattern, runs_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]

DAYS = (rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU)
HORIZON = 150


def by_rrule(p: Pattern, first: dt.date, last: dt.date) -> set[dt.date]:
    monday = p.effective_from - dt.timedelta(days=p.effective_from.weekday())
    until = min(last, p.effective_to) if p.effective_to else last
    rule = rrule.rrule(
        rrule.WEEKLY,
        interval=p.every_weeks,
        byweekday=[d for i, d in enumerate(DAYS) if p.weekdays & (1 << i)],
        wkst=rrule.MO,
        dtstart=dt.datetime.combine(monday, dt.time()),
        until=dt.datetime.combine(until, dt.time()),
    )
    days = {d.date() for d in rule if d.date() >= max(first, p.effective_from)}
    if p.day_rule == DayRule.WORKING:
        return {d for d in days if is_working_day(d)}
    if p.day_rule == DayRule.REST:
        return {d for d in days if not is_working_day(d)}
    return days


@settings(max_examples=300, deadline=None)
@given(
    weekdays=st.integers(min_value=1, max_value=127),
    every_weeks=st.integers(min_value=1, max_value=8),
    start=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2026, 10, 31)),
    length=st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
    day_rule=st.sampled_from([DayRule.ALL, DayRule.WORKING, DayRule.REST]),
    offset=st.integers(min_value=-10, max_value=60),
)
def test_runs_on_equals_the_rrule(weekdays, every_weeks, start, length, day_rule, offset):
    p = Pattern(
        weekdays=weekdays,
        starts_at=dt.time(8),
        ends_at=dt.time(20),
        effective_from=start,
        effective_to=None if length is None else start + dt.timedelta(days=length),
        day_rule=day_rule,
        every_weeks=every_weeks,
    )
    first = start + dt.timedelta(days=offset)
    last = first + dt.timedelta(days=HORIZON)
    ours = {
        first + dt.timedelta(days=i)
        for i in range(HORIZON + 1)
        if runs_on(p, first + dt.timedelta(days=i))
    }
    assert ours == by_rrule(p, first, last)
