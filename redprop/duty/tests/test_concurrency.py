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


def test_one_shift_handed_over_twice_at_once():
    """A double submit of the hand-over (two tabs, a retried request): one hand-over,
    the other a 409 ``duty_handover_twice`` (the shift row is locked first)."""
    from django.utils import timezone

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create
    from redprop.duty.models import HandOver
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import Org

    world = build_world()
    desk = world.users[Role.COMMUNITY_STAFF]
    other = user_create(username="cadre_x", password=None, acting_user=None)
    role_grant(user=other, role=Role.COMMUNITY_STAFF, region=world.community, acting_user=None)
    other = User.objects.get(pk=other.pk)
    today = timezone.localdate()
    members = [other, desk] if today.weekday() % 2 == 0 else [desk, other]
    services.rota_create(
        org=Org.objects.get(kind=OrgKind.RESIDENTS_COMMITTEE, community=world.community),
        community=world.community,
        office="服务站",
        members=members,
        mode="daily",
        weekdays=127,
        day_rule="all",
        starts_at=dt.time(0),
        ends_at=dt.time(23, 59),
        effective_from=today - dt.timedelta(days=today.weekday()),
        acting_user=None,
    )
    barrier = threading.Barrier(2)
    outcome: list[str] = []

    def write(note):
        try:
            barrier.wait()
            services.handover_write(acting_user=other, note=note)
            outcome.append("ok")
        except ApplicationError as exc:
            outcome.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in ("甲", "乙")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcome) == ["duty_handover_twice", "ok"], outcome
    assert HandOver.objects.count() == 1
