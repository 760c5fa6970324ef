"""Two desks rostering one worker at once into overlapping shifts: exactly one shift
is written, the other write is refused as an overlap.

PostgreSQL with real threads and connections (the per-person row lock is the point);
SQLite serialises writers anyway and is skipped.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from redprop.conftest import build_world
from redprop.core.errors import ApplicationError
from redprop.duty import services
from redprop.duty.models import Shift
from redprop.duty.tests.helpers import MONDAY, worker

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def test_two_overlapping_shifts_written_at_once():
    assert connection.vendor == "postgresql"
    world = build_world()
    for round_ in range(4):
        lee = worker(world, f"lee{round_}")
        barrier = threading.Barrier(2)
        outcome: list[str] = []

        def create(place, start, end, lee=lee):
            try:
                barrier.wait()
                services.shift_create(
                    org=world.company,
                    user=lee,
                    place=place,
                    starts_at=dt.time.fromisoformat(start),
                    ends_at=dt.time.fromisoformat(end),
                    effective_from=MONDAY,
                    acting_user=None,
                )
                outcome.append("ok")
            except ApplicationError as exc:
                outcome.append(exc.code)
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=create, args=(world.grid, "08:00", "20:00")),
            threading.Thread(target=create, args=(world.grid_2, "12:00", "22:00")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcome) == ["duty_overlap", "ok"], outcome
        assert Shift.objects.filter(user=lee).count() == 1
