"""Arrears reminders go through the outbox once a month, only for overdue bills."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.fees.models import ReminderRun
from redprop.fees.reminders import KIND, reminder_sweep
from redprop.fees.selectors import arrears, bucket_of
from redprop.fees.tests.conftest import run_month
from redprop.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_reminders_once_a_month(fees):
    run_month(fees, 2026, 1)
    run_month(fees, 2026, 2)
    assert reminder_sweep(today=dt.date(2026, 3, 9)) == 0  # before the reminder day
    assert reminder_sweep(today=dt.date(2026, 3, 10)) == 1
    assert reminder_sweep(today=dt.date(2026, 3, 11)) == 0  # once a month
    assert ReminderRun.objects.count() == 1
    rows = OutboxMessage.objects.filter(kind=KIND)
    assert rows.exists() and "80.56" in rows.first().body


def test_ageing_buckets(fees):
    for m in (1, 2, 3):
        run_month(fees, 2026, m)
    rows = arrears(
        compounds=type(fees.compound).objects.filter(pk=fees.compound.pk),
        as_of=dt.date(2026, 12, 5),
    )
    (row,) = rows
    # January is 11 months old, February 10, March 9: all in 6-12.
    assert row.buckets["6-12"] == 3 * 4028 and row.total == 3 * 4028
    assert [bucket_of(n) for n in (0, 1, 2, 3, 5, 6, 12, 13)] == [
        "≤1",
        "≤1",
        "1-3",
        "1-3",
        "3-6",
        "3-6",
        "6-12",
        ">12",
    ]
