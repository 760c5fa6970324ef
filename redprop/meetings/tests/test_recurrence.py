"""Recurrence of 逢四说事 and a community's own rule, against dateutil as the oracle."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from dateutil.rrule import MONTHLY, WEEKLY, rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from redprop.core.errors import ApplicationError
from redprop.meetings import recurrence
from redprop.meetings.choices import DEFAULT_RULE

D = dt.date


START = D(2024, 1, 1)


def _series(rule: str = DEFAULT_RULE, starts_on: D = START, **kw):  # type: ignore[no-untyped-def]
    return SimpleNamespace(
        pk=7,
        rule=rule,
        starts_on=starts_on,
        ends_on=kw.get("ends_on"),
        start_time=dt.time(9, 30),
        duration_minutes=90,
    )


def test_default_rule_is_three_days_every_month_whatever_its_length() -> None:
    """Months of 31 (Jan), 29 (Feb 2024), 31 (Mar), 30 (Apr), and 28 (Feb 2025)."""
    days = recurrence.rule_dates(DEFAULT_RULE, D(2024, 1, 1), D(2024, 1, 1), D(2025, 2, 28))
    assert len(days) == 14 * 3
    assert {d.day for d in days} == {4, 14, 24}
    assert days == recurrence.oracle_dates(D(2024, 1, 1), D(2025, 2, 28))
    feb_2025 = [d for d in days if (d.year, d.month) == (2025, 2)]
    assert feb_2025 == [D(2025, 2, 4), D(2025, 2, 14), D(2025, 2, 24)]


@pytest.mark.parametrize(
    ("month", "last"),
    [((2024, 1), 31), ((2024, 2), 29), ((2025, 2), 28), ((2024, 4), 30), ((2024, 12), 31)],
)
def test_last_day_of_month_rule(month: tuple[int, int], last: int) -> None:
    """BYMONTHDAY=-1 is the last day, whether the month has 31, 30, 29 or 28 days."""
    y, m = month
    start, end = D(y, m, 1), D(y, m, last)
    days = recurrence.rule_dates("FREQ=MONTHLY;BYMONTHDAY=-1", D(2024, 1, 1), start, end)
    assert days == [D(y, m, last)]


def test_a_day_a_month_lacks_is_skipped_not_moved() -> None:
    """RFC 5545: the 31st does not happen in April, the 29th-31st not in February 2025."""
    days = recurrence.rule_dates(
        "FREQ=MONTHLY;BYMONTHDAY=29,30,31", D(2025, 1, 1), D(2025, 1, 1), D(2025, 4, 30)
    )
    assert days == [
        D(2025, 1, 29),
        D(2025, 1, 30),
        D(2025, 1, 31),
        D(2025, 3, 29),
        D(2025, 3, 30),
        D(2025, 3, 31),
        D(2025, 4, 29),
        D(2025, 4, 30),
    ]


def test_a_community_rule_second_tuesday() -> None:
    rule = "FREQ=MONTHLY;BYDAY=2TU"
    days = recurrence.rule_dates(rule, D(2026, 1, 1), D(2026, 1, 1), D(2026, 12, 31))
    oracle = [
        d.date()
        for d in rrule(
            MONTHLY,
            dtstart=dt.datetime(2026, 1, 1),  # noqa: DTZ001 - dateutil's naive dates
            until=dt.datetime(2026, 12, 31),  # noqa: DTZ001
            byweekday=__import__("dateutil.rrule").rrule.TU(2),
        )
    ]
    assert days == oracle
    assert len(days) == 12 and all(d.weekday() == 1 and 8 <= d.day <= 14 for d in days)


def test_weekly_with_interval() -> None:
    days = recurrence.rule_dates(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE", D(2026, 3, 4), D(2026, 3, 1), D(2026, 5, 31)
    )
    oracle = [
        d.date()
        for d in rrule(
            WEEKLY,
            interval=2,
            byweekday=2,
            dtstart=dt.datetime(2026, 3, 4),  # noqa: DTZ001 - dateutil's naive dates
            until=dt.datetime(2026, 5, 31),  # noqa: DTZ001
        )
    ]
    assert days == oracle


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=D(2000, 1, 1), max_value=D(2060, 12, 31)),
    span=st.integers(min_value=0, max_value=800),
    monthdays=st.sets(st.integers(min_value=1, max_value=31), min_size=1, max_size=4),
)
def test_monthly_rules_match_dateutil(start: D, span: int, monthdays: set[int]) -> None:
    """Any BYMONTHDAY set over any window: the stored-text path equals dateutil's
    constructor path."""
    md = sorted(monthdays)
    rule = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(map(str, md))
    end = start + dt.timedelta(days=span)
    assert recurrence.rule_dates(rule, start, start, end) == recurrence.oracle_dates(start, end, md)


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "FREQ=HOURLY",
        "FREQ=MINUTELY;INTERVAL=1",
        "BYMONTHDAY=4",
        "FREQ=MONTHLY;BYMONTHDAY=40",
        "FREQ=MONTHLY;DTSTART=20240101",
        "FREQ=MONTHLY\nBYMONTHDAY=4",
        "FREQ=MONTHLY;BYMONTHDAY=4;BYMONTHDAY=5",
        "FREQ=MONTHLY;" + "BYMONTHDAY=4," * 60,
        "garbage",
    ],
)
def test_bad_rules_are_refused_with_the_field(rule: str) -> None:
    with pytest.raises(ApplicationError) as err:
        recurrence.parse_rule(rule, D(2026, 1, 1))
    assert err.value.code == "meeting_invalid_rule"
    assert err.value.field == "rule"


@pytest.mark.django_db
def test_moved_and_cancelled_occurrences() -> None:
    """The 4th moved to the 6th, the 14th cancelled: the calendar shows both."""
    tz = recurrence.zone()
    series = _series(starts_on=D(2026, 1, 1))
    overrides = {
        D(2026, 10, 4): SimpleNamespace(
            action="moved", new_start=dt.datetime(2026, 10, 8, 15, 0, tzinfo=tz), reason="国庆"
        ),
        D(2026, 10, 14): SimpleNamespace(action="cancelled", new_start=None, reason="停电"),
    }
    occ = recurrence.expand(series, D(2026, 10, 1), D(2026, 10, 31), overrides=overrides)
    assert [(o.rule_date.day, o.starts_at.day, o.moved, o.cancelled) for o in occ] == [
        (4, 8, True, False),
        (14, 14, False, True),
        (24, 24, False, False),
    ]
    # 4 October is in the National Day holiday: flagged.
    assert occ[0].holiday is True
    assert occ[2].holiday is False
    # A move out of the window takes it out; a move into the window brings it in.
    sept = recurrence.expand(series, D(2026, 9, 1), D(2026, 9, 30), overrides=overrides)
    assert [o.rule_date.day for o in sept] == [4, 14, 24]
    moved_in = {
        D(2026, 9, 24): SimpleNamespace(
            action="moved", new_start=dt.datetime(2026, 10, 2, 9, 0, tzinfo=tz), reason=""
        )
    }
    octo = recurrence.expand(series, D(2026, 10, 1), D(2026, 10, 3), overrides=moved_in)
    assert [(o.rule_date, o.moved) for o in octo] == [(D(2026, 9, 24), True)]


def test_next_dates() -> None:
    assert recurrence.next_dates(DEFAULT_RULE, D(2024, 1, 1), D(2024, 2, 24), 3) == [
        D(2024, 3, 4),
        D(2024, 3, 14),
        D(2024, 3, 24),
    ]
