"""When a shift runs: properties of the recurrence over midnight, weekdays, effective
dates, rotations and China's working calendar. The working days come from the holiday
table CN (redprop.calendars, seeded by its migrations), hence the database."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from redprop.calendars.selectors import is_working_day
from redprop.duty import recurrence as r
from redprop.duty.choices import ALL_WEEK, MON_TO_FRI, DayRule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]

SH = ZoneInfo("Asia/Shanghai")
PROPERTY = settings(max_examples=300, deadline=None)
MIN = dt.timedelta(minutes=1)
US = dt.timedelta(microseconds=1)

times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
days = st.dates(dt.date(2025, 12, 1), dt.date(2026, 12, 31))


@st.composite
def patterns(draw, max_span_days: int = 90) -> r.Pattern:
    start, end = draw(times), draw(times)
    assume(start != end)
    first = draw(days)
    open_ended = draw(st.booleans())
    return r.Pattern(
        weekdays=draw(st.integers(1, ALL_WEEK)),
        starts_at=start,
        ends_at=end,
        effective_from=first,
        effective_to=None
        if open_ended
        else first + dt.timedelta(days=draw(st.integers(0, max_span_days))),
        day_rule=draw(st.sampled_from(list(DayRule))),
        every_weeks=draw(st.integers(1, 4)),
    )


instants = st.builds(
    lambda d, m: dt.datetime.combine(d, dt.time(0), tzinfo=SH) + dt.timedelta(minutes=m),
    days,
    st.integers(0, 24 * 60 - 1),
)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, mo, d, h, mi, tzinfo=SH)


@PROPERTY
@given(patterns(), instants)
def test_on_duty_agrees_with_the_occurrences(p, at):
    """The instant test and the list of occurrences are two computations of one thing."""
    day = at.date()
    spans = list(r.occurrences(p, day - dt.timedelta(days=1), day))
    assert r.on_duty(p, at) == any(s <= at < e for s, e in spans)


@PROPERTY
@given(patterns(), instants)
def test_on_duty_is_the_same_seen_from_another_zone(p, at):
    """The instant decides, not the zone it is written in."""
    assert r.on_duty(p, at) == r.on_duty(p, at.astimezone(dt.UTC))


@PROPERTY
@given(patterns(), days)
def test_every_occurrence_starts_on_a_qualifying_day_and_lasts_the_span(p, first):
    spans = list(r.occurrences(p, first, first + dt.timedelta(days=30)))
    for start, end in spans:
        assert end - start == r.length(p)
        assert dt.timedelta(0) < end - start < dt.timedelta(days=1)
        d = start.date()
        assert p.effective_from <= d and (p.effective_to is None or d <= p.effective_to)
        assert p.weekdays & (1 << d.weekday())
        if p.day_rule == DayRule.WORKING:
            assert is_working_day(d)
        if p.day_rule == DayRule.REST:
            assert not is_working_day(d)
    # Occurrences never overlap each other.
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert e1 <= s2


@PROPERTY
@given(patterns(), days)
def test_working_and_rest_days_partition_the_week(p, first):
    """A working-days shift and a rest-days shift of the same pattern together run
    exactly when the all-days shift runs."""
    last = first + dt.timedelta(days=40)

    def starts(rule: str) -> set[dt.date]:
        q = r.Pattern(**{**p.__dict__, "day_rule": rule})
        return {s.date() for s, _ in r.occurrences(q, first, last)}

    working, rest, every = starts(DayRule.WORKING), starts(DayRule.REST), starts(DayRule.ALL)
    assert working | rest == every
    assert not working & rest


@PROPERTY
@given(patterns(), st.integers(2, 4))
def test_a_rotation_runs_only_every_nth_week(p, n):
    q = r.Pattern(**{**p.__dict__, "every_weeks": n, "day_rule": DayRule.ALL})
    anchor = q.effective_from - dt.timedelta(days=q.effective_from.weekday())
    for start, _ in r.occurrences(q, q.effective_from, q.effective_from + dt.timedelta(days=60)):
        assert ((start.date() - anchor).days // 7) % n == 0


@PROPERTY
@given(times, times, days, st.integers(0, 6))
def test_a_night_shift_belongs_to_the_day_it_starts(start, end, first, weekday):
    """One weekday ticked, crossing midnight: on duty from the start that day until the
    end the next morning, not the morning of the ticked day itself."""
    assume(end < start)
    day = first + dt.timedelta(days=(weekday - first.weekday()) % 7)
    p = r.Pattern(weekdays=1 << weekday, starts_at=start, ends_at=end, effective_from=first)
    begin = dt.datetime.combine(day, start, tzinfo=SH)
    finish = dt.datetime.combine(day + dt.timedelta(days=1), end, tzinfo=SH)
    assert r.on_duty(p, begin)
    assert not r.on_duty(p, begin - US)
    assert r.on_duty(p, finish - US)
    assert not r.on_duty(p, finish)
    # The morning of the ticked day belongs to the previous day's (unticked) shift.
    assert not r.on_duty(p, dt.datetime.combine(day, end, tzinfo=SH) - MIN)


@PROPERTY
@given(times, times, days, st.integers(0, 20))
def test_effective_dates_bound_the_start_days_not_the_mornings_after(start, end, first, span):
    assume(end < start)
    last = first + dt.timedelta(days=span)
    p = r.Pattern(
        weekdays=ALL_WEEK, starts_at=start, ends_at=end, effective_from=first, effective_to=last
    )
    # The last night still runs into the morning after the last day…
    assert r.on_duty(p, dt.datetime.combine(last + dt.timedelta(days=1), end, tzinfo=SH) - MIN)
    # …but no shift starts after it, and the morning of the first day is not covered.
    assert not r.on_duty(p, dt.datetime.combine(last + dt.timedelta(days=1), start, tzinfo=SH))
    assert not r.on_duty(p, dt.datetime.combine(first, end, tzinfo=SH) - MIN)
    assert r.on_duty(p, dt.datetime.combine(first, start, tzinfo=SH))


@PROPERTY
@given(patterns(max_span_days=45), patterns(max_span_days=45))
def test_first_overlap_matches_a_brute_force_search(a, b):
    """Within their (short) effective periods, the overlap check finds an overlap
    exactly when two occurrences intersect, and the day it names is one."""
    a = r.Pattern(**{**a.__dict__, "effective_to": a.effective_to or a.effective_from})
    b = r.Pattern(**{**b.__dict__, "effective_to": b.effective_to or b.effective_from})
    lo = min(a.effective_from, b.effective_from) - dt.timedelta(days=1)
    hi = max(a.effective_to, b.effective_to) + dt.timedelta(days=1)
    sa, sb = list(r.occurrences(a, lo, hi)), list(r.occurrences(b, lo, hi))
    pairs = [(x, y) for x in sa for y in sb if x[0] < y[1] and y[0] < x[1]]
    found = r.first_overlap(a, b)
    assert (found is None) == (not pairs)
    assert (r.first_overlap(b, a) is None) == (found is None)
    if found is not None:
        assert min(x[0].date() for x, _ in pairs) == found


def test_touching_shifts_do_not_overlap():
    day = r.Pattern(weekdays=ALL_WEEK, starts_at=dt.time(8), ends_at=dt.time(20),
                    effective_from=dt.date(2026, 1, 5))  # fmt: skip
    night = r.Pattern(weekdays=ALL_WEEK, starts_at=dt.time(20), ends_at=dt.time(8),
                      effective_from=dt.date(2026, 1, 5))  # fmt: skip
    assert r.first_overlap(day, night) is None
    late = r.Pattern(**{**night.__dict__, "starts_at": dt.time(19, 30)})
    assert r.first_overlap(day, late) == dt.date(2026, 1, 5)


def test_working_days_follow_chinas_calendar():
    """2026: National Day week off (1–7 Oct, Thursday 1 Oct a holiday), Saturday 10 Oct
    a 调休 working day; a Mon–Fri mask misses it, a full-week mask catches it."""
    full = r.Pattern(weekdays=ALL_WEEK, starts_at=dt.time(8), ends_at=dt.time(17),
                     effective_from=dt.date(2026, 9, 1), day_rule=DayRule.WORKING)  # fmt: skip
    weekdays_only = r.Pattern(**{**full.__dict__, "weekdays": MON_TO_FRI})
    rest = r.Pattern(**{**full.__dict__, "day_rule": DayRule.REST})
    assert not r.on_duty(full, sh(2026, 10, 1, 9))
    assert r.on_duty(rest, sh(2026, 10, 1, 9))
    assert r.on_duty(full, sh(2026, 10, 10, 9))  # Saturday, 调休
    assert not r.on_duty(weekdays_only, sh(2026, 10, 10, 9))
    assert not r.on_duty(rest, sh(2026, 10, 10, 9))
    assert r.on_duty(full, sh(2026, 10, 9, 16, 59)) and not r.on_duty(full, sh(2026, 10, 9, 17))


def test_on_duty_refuses_a_naive_instant():
    p = r.Pattern(weekdays=ALL_WEEK, starts_at=dt.time(8), ends_at=dt.time(9),
                  effective_from=dt.date(2026, 1, 1))  # fmt: skip
    with pytest.raises(ValueError):
        r.on_duty(p, dt.datetime(2026, 1, 2, 8, 30))  # noqa: DTZ001
