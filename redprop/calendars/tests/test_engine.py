"""Deadline calendars: properties of the arithmetic, and the real Chinese 2024-2026 calendar.

Pure Python, no database: the holiday table is built in memory from the libraries,
as the seed migration loads it (``redprop.calendars.library``). The concrete
dates below are the State Council arrangements as recorded in chinesecalendar
1.11 (the same in holidays 0.109).
"""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from redprop.calendars import engine as calendars
from redprop.calendars.engine import (
    AlwaysOn,
    WorkingHours,
    add_with_pauses,
    calendar_from_spec,
    elapsed_with_pauses,
)
from redprop.calendars.library import library_table

CN = library_table()
is_working_day = CN.is_working_day

SH = ZoneInfo("Asia/Shanghai")
ZERO = timedelta(0)
US = timedelta(microseconds=1)
PROPERTY = settings(max_examples=200, deadline=None)
WH = WorkingHours(table=CN)
ALWAYS = AlwaysOn()
CALENDARS = pytest.mark.parametrize("cal", [ALWAYS, WH], ids=["24x7", "working_hours"])


def sh(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


# Holidays, 调休 working weekends, year ends and an ordinary weekend, met at period edges.
SPECIAL_DAYS = [
    date(2024, 2, 4),  # Sunday, 调休 working day
    date(2024, 2, 10),  # Spring Festival
    date(2025, 1, 26),  # Sunday, 调休
    date(2025, 1, 28),  # New Year's Eve, off
    date(2025, 9, 28),  # Sunday, 调休
    date(2025, 9, 30),  # last working day before National Day
    date(2025, 10, 1),  # National Day
    date(2025, 10, 11),  # Saturday, 调休
    date(2025, 11, 14),  # an ordinary Friday
    date(2025, 11, 15),  # an ordinary Saturday
    date(2026, 1, 4),  # Sunday, 调休
    date(2026, 2, 14),  # Saturday, 调休
    date(2026, 2, 16),  # Spring Festival's eve, off
    date(2026, 12, 31),  # last day chinese_calendar knows
    date(2027, 1, 1),  # provisional year (statutory days only)
    date(2029, 1, 1),  # a year with no table
]
EDGE_TIMES = [
    time(0),
    time(8, 29, 59, 999999),
    time(8, 30),
    time(10, 15),
    time(11, 59, 59, 999999),
    time(12),
    time(13, 59),
    time(14),
    time(17, 29, 59, 999999),
    time(17, 30),
    time(23),
    time(23, 59, 59, 999999),
]
ZONES = st.sampled_from([SH, UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")])
instants = st.one_of(
    st.datetimes(
        # hypothesis takes naive bounds and attaches a zone drawn from ``timezones``.
        min_value=datetime(2024, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 6, 30),  # noqa: DTZ001
        timezones=ZONES,
        allow_imaginary=False,
    ),
    st.builds(
        lambda d, t: datetime.combine(d, t, tzinfo=SH),
        st.sampled_from(SPECIAL_DAYS),
        st.sampled_from(EDGE_TIMES),
    ),
)
# Up to 30 days of counted time (about 100 working days), exact to the microsecond.
durations = st.one_of(
    st.just(ZERO),
    st.timedeltas(min_value=ZERO, max_value=timedelta(days=30)),
    st.integers(min_value=0, max_value=30 * 48).map(lambda n: n * timedelta(minutes=30)),
)
short_durations = st.timedeltas(min_value=ZERO, max_value=timedelta(days=5))


def later(t: datetime, delta: timedelta) -> datetime:
    """``t + delta`` in real time (aware ``+`` is wall-clock arithmetic and drops ``fold``)."""
    return t.astimezone(UTC) + delta


def in_working_time(t: datetime, *, closed_end: bool) -> bool:
    """Whether ``t`` lies in a default period: ``(start, end]`` if closed_end else ``[start, end)``."""
    local = t.astimezone(SH)
    if not is_working_day(local.date()):
        return False
    now = local.time()
    return any(
        (a < now <= b) if closed_end else (a <= now < b) for a, b in calendars.DEFAULT_PERIODS
    )


# --- AlwaysOn ---------------------------------------------------------------------------


@PROPERTY
@given(start=instants, duration=durations)
def test_always_on_add_then_elapsed_round_trips(start, duration):
    end = ALWAYS.add(start, duration)
    # Real time, not wall-clock time: a DST change in the start's zone does not shift it.
    assert end.astimezone(UTC) == start.astimezone(UTC) + duration
    assert ALWAYS.elapsed(start, end) == duration
    assert ALWAYS.elapsed(end, start) == ZERO


def test_always_on_crosses_midnight_and_returns_shanghai_time():
    start = datetime(2025, 12, 31, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    end = ALWAYS.add(start, timedelta(hours=1))
    assert end == sh(2026, 1, 1, 0, 30)
    assert end.tzinfo == SH
    assert ALWAYS.add(start, ZERO) == start


def test_always_on_elapsed_is_real_time_across_a_dst_change():
    berlin = ZoneInfo("Europe/Berlin")
    before = datetime(2025, 3, 30, 1, 0, tzinfo=berlin)
    after = datetime(2025, 3, 30, 4, 0, tzinfo=berlin)  # clocks went 02:00 -> 03:00
    assert ALWAYS.elapsed(before, after) == timedelta(hours=2)


# --- WorkingHours: properties -------------------------------------------------------------


@PROPERTY
@given(start=instants, duration=durations)
def test_working_hours_elapsed_undoes_add(start, duration):
    end = WH.add(start, duration)
    assert end >= start
    assert end.tzinfo == SH
    assert WH.elapsed(start, end) == duration


@PROPERTY
@given(start=instants, duration=durations)
def test_add_returns_the_earliest_instant_inside_or_at_the_end_of_a_period(start, duration):
    end = WH.add(start, duration)
    if duration == ZERO:
        # The clock starts at the next working instant.
        assert in_working_time(end, closed_end=False)
        assert end == start or not in_working_time(start, closed_end=False)
    else:
        assert in_working_time(end, closed_end=True)
        assert WH.elapsed(start, end - US) < duration


@PROPERTY
@given(start=instants, d1=durations, d2=durations)
def test_add_is_monotonic_in_the_duration(start, d1, d2):
    d1, d2 = sorted((d1, d2))
    assert WH.add(start, d1) <= WH.add(start, d2)


gaps = st.timedeltas(min_value=ZERO, max_value=timedelta(days=60))


@PROPERTY
@given(a=instants, ab=gaps, bc=gaps)
def test_elapsed_is_additive(a, ab, bc):
    b, c = later(a, ab), later(a, ab + bc)
    assert WH.elapsed(a, b) + WH.elapsed(b, c) == WH.elapsed(a, c)
    assert ZERO <= WH.elapsed(a, c) <= c - a
    assert WH.elapsed(c, a) == ZERO


@PROPERTY
@given(
    start=st.builds(
        lambda day, slot: datetime.combine(day, time(0), tzinfo=SH) + slot * timedelta(minutes=30),
        st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 3, 31)),
        st.integers(min_value=0, max_value=47),
    ),
    slots=st.integers(min_value=0, max_value=10 * 48),
)
def test_elapsed_matches_counting_half_hour_slots(start, slots):
    """Every period edge is on a half hour, so a slot counts wholly or not at all."""
    half_hour = timedelta(minutes=30)
    counted = sum(in_working_time(start + i * half_hour, closed_end=False) for i in range(slots))
    assert WH.elapsed(start, start + slots * half_hour) == counted * half_hour


# --- WorkingHours: the real calendar ------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 10, 1), False),  # National Day
        (date(2025, 10, 8), False),  # National Day + Mid-Autumn, eight days off
        (date(2025, 10, 9), True),
        (date(2025, 9, 28), True),  # Sunday, 调休
        (date(2025, 10, 11), True),  # Saturday, 调休
        (date(2025, 1, 26), True),  # Sunday, 调休
        (date(2025, 1, 28), False),  # New Year's Eve (除夕), statutory since 2025
        (date(2024, 2, 4), True),  # Sunday, 调休
        (date(2024, 2, 12), False),  # Spring Festival, a Monday
        (date(2026, 1, 2), False),  # New Year bridge day, a Friday
        (date(2026, 1, 4), True),  # Sunday, 调休
        (date(2026, 2, 14), True),  # Saturday, 调休
        (date(2026, 2, 17), False),  # Spring Festival
        (date(2026, 2, 28), True),  # Saturday, 调休
        (date(2026, 10, 10), True),  # Saturday, 调休
        (date(2025, 11, 15), False),  # an ordinary Saturday
        (date(2025, 11, 17), True),  # an ordinary Monday
    ],
)
def test_working_days_follow_the_state_council_arrangement(day, working):
    assert is_working_day(day) is working


def test_is_working_day_agrees_with_chinese_calendar_for_2024_to_2026():
    day = date(2024, 1, 1)
    while day.year <= 2026:
        assert is_working_day(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_unknown_year_falls_back_to_weekends_and_statutory_holidays_and_is_recorded():
    year = 2091
    assert not CN.covers(year)
    assert is_working_day(date(year, 10, 1)) is False  # National Day, by law
    assert is_working_day(date(year, 10, 6)) is False  # a Saturday
    assert is_working_day(date(year, 10, 8)) is True  # a Monday
    cal = WorkingHours(table=CN)
    assert cal.add(datetime(year, 10, 2, 9, tzinfo=SH), timedelta(hours=1)) == datetime(
        year, 10, 4, 9, 30, tzinfo=SH
    )
    assert cal.missing_years == {year}
    known = WorkingHours(table=CN)
    known.add(sh(2026, 12, 30, 9), timedelta(hours=14))  # into January 2027 (provisional)
    assert known.missing_years == set()


def test_2027_is_not_known_yet_but_its_statutory_holidays_are_off():
    assert is_working_day(date(2027, 2, 8)) is False  # Spring Festival day 3
    assert is_working_day(date(2027, 10, 1)) is False  # National Day
    assert is_working_day(date(2027, 1, 4)) is True  # a Monday


@pytest.mark.parametrize(
    ("start", "duration", "deadline"),
    [
        # Friday 16:00-17:30 is 1.5 h, then Monday 08:30 + 2.5 h.
        (sh(2025, 11, 14, 16), timedelta(hours=4), sh(2025, 11, 17, 11)),
        # Filed at night: the clock starts the next working morning.
        (sh(2025, 11, 18, 23), timedelta(hours=1), sh(2025, 11, 19, 9, 30)),
        (sh(2025, 11, 18, 23), ZERO, sh(2025, 11, 19, 8, 30)),
        # The lunch break does not count.
        (sh(2025, 11, 18, 11, 30), timedelta(hours=1), sh(2025, 11, 18, 14, 30)),
        # A deadline exactly at the end of a period is that end, not the next start.
        (sh(2025, 11, 18, 11), timedelta(hours=1), sh(2025, 11, 18, 12)),
        (sh(2025, 11, 18, 12), ZERO, sh(2025, 11, 18, 14)),
        # 0.5 h on 30 September, then Oct 1-8 off, then 3.5 h on Thursday 9 October.
        (sh(2025, 9, 30, 17), timedelta(hours=4), sh(2025, 10, 9, 12)),
        # Filed on Saturday 2025-09-27: Sunday 28th is a 调休 working day.
        (sh(2025, 9, 27, 10), timedelta(hours=1), sh(2025, 9, 28, 9, 30)),
        # Spring Festival 2026: Saturday 14 Feb is a 调休 working day, then Feb 15-23 are off.
        (sh(2026, 2, 13, 17), timedelta(hours=1), sh(2026, 2, 14, 9)),
        (sh(2026, 2, 14, 17), timedelta(hours=1), sh(2026, 2, 24, 9)),
        # "1 working day" of 7 h from a Tuesday morning.
        (sh(2025, 11, 18, 8, 30), timedelta(hours=7), sh(2025, 11, 18, 17, 30)),
        # 5341's 30 minutes, filed in UTC.
        (
            datetime(2025, 11, 18, 3, 45, tzinfo=UTC),
            timedelta(minutes=30),
            sh(2025, 11, 18, 14, 15),
        ),
        # 40 working hours from a Monday: 5 days of 7 h, then 5 h on the next Monday.
        (sh(2025, 11, 17, 8, 30), timedelta(hours=40), sh(2025, 11, 24, 15, 30)),
    ],
)
def test_known_deadlines(start, duration, deadline):
    assert WH.add(start, duration) == deadline
    assert WH.elapsed(start, deadline) == duration


def test_a_year_of_working_time_is_fast():
    start = sh(2025, 1, 2, 9)
    WH.add(start, timedelta(days=365))  # warm the per-year tables
    best = float("inf")
    for _ in range(3):
        t0 = clock.perf_counter()
        end = WH.add(start, timedelta(days=365))
        WH.elapsed(start, end)
        best = min(best, clock.perf_counter() - t0)
    assert best < 0.05, f"add + elapsed over a year of working time took {best * 1000:.1f} ms"


def test_custom_periods_and_day_kind():
    every_day = WorkingHours(periods=[(time(9), time(18))], day_kind=lambda d: True)
    # National Day counts when the calendar says every day is a working day.
    assert every_day.add(sh(2025, 10, 1, 17), timedelta(hours=2)) == sh(2025, 10, 2, 10)


def test_a_calendar_without_working_days_raises_instead_of_looping():
    never = WorkingHours(day_kind=lambda d: False)
    assert never.elapsed(sh(2025, 1, 1), sh(2026, 1, 1)) == ZERO
    with pytest.raises(ValueError, match="no working time"):
        never.add(sh(2025, 1, 1), timedelta(hours=1))


@pytest.mark.parametrize(
    "periods",
    [
        [],
        [(time(9), time(9))],
        [(time(12), time(9))],
        [(time(8), time(12)), (time(11), time(13))],
    ],
)
def test_invalid_periods_are_refused(periods):
    with pytest.raises(ValueError):
        WorkingHours(periods=periods)


@pytest.mark.parametrize("cal", [ALWAYS, WH])
def test_naive_datetimes_and_negative_durations_are_refused(cal):
    naive = datetime(2025, 11, 18, 9)  # noqa: DTZ001 - the point of the test
    aware = sh(2025, 11, 18, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(naive, timedelta(hours=1))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.elapsed(aware, naive)
    with pytest.raises(ValueError, match="negative"):
        cal.add(aware, -US)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_with_pauses(cal, aware, timedelta(hours=1), [(naive, None)])


# --- calendar_from_spec -------------------------------------------------------------------


def test_calendar_from_spec():
    assert isinstance(calendar_from_spec("24x7"), AlwaysOn)
    assert isinstance(calendar_from_spec({"kind": "24x7"}), AlwaysOn)
    default = calendar_from_spec("working_hours")
    assert isinstance(default, WorkingHours)
    assert default.periods == calendars.DEFAULT_PERIODS
    custom = calendar_from_spec({"kind": "working_hours", "periods": [["09:00", "17:00"]]})
    assert isinstance(custom, WorkingHours)
    assert custom.periods == ((time(9), time(17)),)
    assert custom.add(sh(2025, 11, 18, 16), timedelta(hours=2)) == sh(2025, 11, 19, 10)


@pytest.mark.parametrize(
    "spec",
    [
        "business",
        {"periods": [["09:00", "17:00"]]},
        {"kind": "24x7", "periods": [["09:00", "17:00"]]},
        {"kind": "working_hours", "periods": [["9 am", "5 pm"]]},
        {"kind": "working_hours", "periods": [["09:00"]]},
        {"kind": "working_hours", "periods": "09:00-17:00"},
        {"kind": "working_hours", "periods": [["17:00", "09:00"]]},
        {"kind": "working_hours", "calendar": "CN"},
    ],
)
def test_calendar_from_spec_refuses_bad_specs(spec):
    with pytest.raises(ValueError):
        calendar_from_spec(spec)


# --- pauses (waiting_on_resident) ---------------------------------------------------------


@st.composite
def start_and_pauses(draw):
    """A start and up to four pauses around it: overlapping, before it, after it, or open."""
    start = draw(instants)
    pauses = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        begin = later(
            start, draw(st.timedeltas(min_value=-timedelta(days=3), max_value=timedelta(days=20)))
        )
        length = draw(
            st.one_of(st.none(), st.timedeltas(min_value=ZERO, max_value=timedelta(days=6)))
        )
        pauses.append((begin, None if length is None else begin + length))
    return start, pauses


@CALENDARS
@PROPERTY
@given(case=start_and_pauses(), duration=short_durations)
def test_elapsed_with_pauses_undoes_add_with_pauses(cal, case, duration):
    start, pauses = case
    deadline = add_with_pauses(cal, start, duration, pauses)
    if deadline is None:
        open_from = min(begin for begin, end in pauses if end is None)
        before = elapsed_with_pauses(cal, start, open_from, pauses)
        assert before < duration or before == duration == ZERO
        return
    assert deadline >= start
    assert elapsed_with_pauses(cal, start, deadline, pauses) == duration
    if duration > ZERO:
        assert elapsed_with_pauses(cal, start, deadline - US, pauses) < duration
    assert elapsed_with_pauses(cal, start, deadline, pauses) <= cal.elapsed(start, deadline)


@CALENDARS
@PROPERTY
@given(case=start_and_pauses(), duration=short_durations)
def test_pause_order_and_duplicates_do_not_matter(cal, case, duration):
    start, pauses = case
    shuffled = list(reversed(pauses)) + pauses[:2]
    assert add_with_pauses(cal, start, duration, shuffled) == add_with_pauses(
        cal, start, duration, pauses
    )


@CALENDARS
@PROPERTY
@given(
    start=instants,
    duration=st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=5)),
    permille=st.integers(min_value=0, max_value=999),
    length=st.timedeltas(min_value=ZERO, max_value=timedelta(days=10)),
)
def test_a_pause_pushes_the_deadline_by_its_counted_length(cal, start, duration, permille, length):
    """A pause that starts before the unpaused deadline moves it by the counted time it covers."""
    unpaused = cal.add(start, duration)
    begin = later(start, US * ((unpaused - start) // US * permille // 1000))
    end = begin + length
    assert add_with_pauses(cal, start, duration, [(begin, end)]) == cal.add(
        start, duration + cal.elapsed(begin, end)
    )


@CALENDARS
@PROPERTY
@given(start=instants, duration=short_durations, end=instants)
def test_no_pauses_is_the_plain_calendar(cal, start, duration, end):
    assert add_with_pauses(cal, start, duration, []) == cal.add(start, duration)
    assert elapsed_with_pauses(cal, start, end, []) == cal.elapsed(start, end)


def test_overlapping_pauses_merge():
    start = sh(2025, 11, 18, 9)
    pieces = [
        (sh(2025, 11, 18, 10), sh(2025, 11, 18, 11)),
        (sh(2025, 11, 18, 10, 30), sh(2025, 11, 18, 11, 30)),
        (sh(2025, 11, 18, 10, 15), sh(2025, 11, 18, 10, 45)),
    ]
    whole = [(sh(2025, 11, 18, 10), sh(2025, 11, 18, 11, 30))]
    duration = timedelta(hours=3)
    # 09:00-10:00 counts 1 h, 11:30-12:00 0.5 h, then 14:00 + 1.5 h.
    assert add_with_pauses(WH, start, duration, pieces) == sh(2025, 11, 18, 15, 30)
    assert add_with_pauses(WH, start, duration, whole) == sh(2025, 11, 18, 15, 30)
    assert elapsed_with_pauses(WH, start, sh(2025, 11, 18, 12), pieces) == timedelta(hours=1.5)


def test_open_pause_before_the_deadline_means_no_deadline():
    start = sh(2025, 11, 18, 9)
    duration = timedelta(hours=2)
    assert add_with_pauses(WH, start, duration, [(sh(2025, 11, 18, 10), None)]) is None
    # Opened exactly at the deadline, or after it: the deadline stands.
    assert add_with_pauses(WH, start, duration, [(sh(2025, 11, 18, 11), None)]) == sh(
        2025, 11, 18, 11
    )
    assert add_with_pauses(WH, start, duration, [(sh(2025, 11, 19, 9), None)]) == sh(
        2025, 11, 18, 11
    )
    # An open pause stops elapsed time too.
    assert elapsed_with_pauses(
        WH, start, sh(2025, 11, 20, 9), [(sh(2025, 11, 18, 10), None)]
    ) == timedelta(hours=1)


def test_pause_reaching_before_start_and_outside_working_time():
    start = sh(2025, 11, 18, 9)  # filed while already waiting on the resident
    pauses = [
        (sh(2025, 11, 17, 9), sh(2025, 11, 18, 15)),
        (sh(2025, 11, 18, 20), sh(2025, 11, 19, 8)),  # at night: counts nothing
    ]
    # 15:00-17:30 counts 2.5 h, then 08:30 + 0.5 h.
    assert add_with_pauses(WH, start, timedelta(hours=3), pauses) == sh(2025, 11, 19, 9)
    assert add_with_pauses(ALWAYS, start, timedelta(hours=3), pauses) == sh(2025, 11, 18, 18)


def test_pause_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="before it starts"):
        add_with_pauses(
            WH,
            sh(2025, 11, 18, 9),
            timedelta(hours=1),
            [(sh(2025, 11, 18, 10), sh(2025, 11, 18, 9))],
        )


# --- monotonicity and working days --------------------------------------------------------


@PROPERTY
@CALENDARS
@given(a=instants, gap=gaps, duration=durations)
def test_deadlines_are_monotone_in_the_start(cal, a, gap, duration):
    b = later(a, gap)
    assert cal.add(a, duration) <= cal.add(b, duration)


@PROPERTY
@CALENDARS
@given(a=instants, gap=gaps, d1=st.integers(1, 30), d2=st.integers(1, 30))
def test_working_day_deadlines_are_monotone_in_start_and_length(cal, a, gap, d1, d2):
    d1, d2 = sorted((d1, d2))
    b = later(a, gap)
    assert cal.working_days_end(a, d1) <= cal.working_days_end(b, d1)
    assert cal.working_days_end(a, d1) <= cal.working_days_end(a, d2)
    assert cal.working_days_end(a, d1) > a


@PROPERTY
@given(start=instants, days=st.integers(1, 30))
def test_24x7_working_days_are_wall_clock_days(start, days):
    end = ALWAYS.working_days_end(start, days)
    local = start.astimezone(ALWAYS.tz)
    assert end == datetime.combine(local.date() + timedelta(days=days + 1), time(0), tzinfo=SH)


@PROPERTY
@given(start=instants, days=st.integers(1, 20))
def test_the_nth_working_day_closes_at_the_end_of_its_last_period(start, days):
    end = WH.working_days_end(start, days)
    assert end.time() == time(17, 30) and is_working_day(end.date())
    first = start.astimezone(SH).date()
    between = [
        first + timedelta(days=n)
        for n in range(1, (end.date() - first).days)
        if is_working_day(first + timedelta(days=n))
    ]
    assert len(between) == days - 1  # the start day does not count


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (sh(2026, 11, 16, 10), 1, sh(2026, 11, 17, 17, 30)),  # Monday 10:00 -> Tuesday
        (sh(2026, 11, 16, 7), 1, sh(2026, 11, 17, 17, 30)),  # before opening: the same
        (sh(2026, 11, 20, 10), 1, sh(2026, 11, 23, 17, 30)),  # Friday -> Monday
        (sh(2026, 11, 21, 10), 1, sh(2026, 11, 23, 17, 30)),  # Saturday -> Monday
        (sh(2026, 9, 30, 10), 1, sh(2026, 10, 8, 17, 30)),  # eve of National Day
        (sh(2026, 10, 9, 10), 1, sh(2026, 10, 10, 17, 30)),  # Saturday 10 Oct, 调休
        (sh(2026, 2, 13, 10), 2, sh(2026, 2, 24, 17, 30)),  # Spring Festival
    ],
)
def test_known_working_day_deadlines(start, days, due):
    assert WH.working_days_end(start, days) == due


def test_1440_minutes_of_working_hours_is_more_than_three_working_days():
    """The old reading of "plan within 1 day" (kept for requests filed before)."""
    assert WH.add(sh(2026, 11, 16, 10), timedelta(minutes=1440)) == sh(2026, 11, 19, 15)


def test_periods_per_weekday_and_a_saturday_window():
    week = {wd: [(time(9), time(18))] for wd in range(5)}
    week[5] = [(time(9), time(12))]
    community = WorkingHours(week=week, table=CN)
    # Friday 17:00 + 2 h: one hour on Friday, then Saturday morning.
    assert community.add(sh(2026, 11, 20, 17), timedelta(hours=2)) == sh(2026, 11, 21, 10)
    assert community.working_days_end(sh(2026, 11, 20, 10), 1) == sh(2026, 11, 21, 12)
    # A holiday on a Saturday closes the window; a 调休 Saturday has Monday's hours.
    assert community.periods_of(date(2026, 10, 3)) == ()
    assert community.periods_of(date(2026, 10, 10)) == ((time(9), time(18)),)


def test_calendar_from_a_record_spec_uses_its_week_and_table():
    spec = {
        "id": 9,
        "code": "summer",
        "kind": "working_hours",
        "tz": "Asia/Shanghai",
        "week": {"0": [["08:00", "18:00"]], "5": [["09:00", "12:00"]]},
        "holidays": "CN",
    }
    cal = calendar_from_spec(spec, table_for=lambda code: CN if code == "CN" else None)
    assert cal.week == {0: ((time(8), time(18)),), 5: ((time(9), time(12)),)}
    assert cal.table is CN
    assert cal.periods_of(date(2026, 11, 17)) == ()  # a Tuesday: no periods that day
    with pytest.raises(ValueError, match="week"):
        calendar_from_spec({**spec, "week": {"x": [["08:00", "18:00"]]}})
