"""Two volunteers racing for the last place, and two credits of one check-in: exactly
one wins, the other gets the 409, and the counter and the hours stay right.

Runs on PostgreSQL with real threads and connections (the activity's row lock is the
point); SQLite serialises writers anyway and is skipped.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD, build_world
from redprop.core.errors import ApplicationError
from redprop.people.services import person_create
from redprop.volunteers import services as vs
from redprop.volunteers.models import Activity, HoursRecord, Signup
from redprop.volunteers.tests.helpers import published, volunteer_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def race(*calls: Any) -> list[Any]:
    """Run ``calls`` at once, each in its own thread and connection; an
    ApplicationError is returned, not raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, fn: Any) -> None:
        try:
            barrier.wait()
            results[i] = fn()
        except ApplicationError as err:
            results[i] = err
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def _second_volunteer(world: Any, staff: Any) -> Any:
    p = person_create(name="孙志愿", acting_user=None, place=world.unit)
    vs.volunteer_register(person_id=p.pk, community_id=world.community.pk, acting_user=staff)
    u = user_create(username="t_vol_race", password=PASSWORD, person=p, acting_user=None)
    role_grant(user=u, role=Role.RESIDENT, person=p, acting_user=None)
    return u


def test_two_volunteers_race_for_the_last_place() -> None:
    assert connection.vendor == "postgresql"
    world = build_world()
    vw = volunteer_world(world)
    other = _second_volunteer(world, vw["staff"])
    resident = world.users[Role.RESIDENT]
    for i in range(5):  # the race must be won exactly once every round
        a = published(world, vw["team"], capacity=1, title=f"探访独居老人 {i}")
        results = race(
            lambda a=a: vs.signup_create(activity_id=a.pk, acting_user=resident),
            lambda a=a: vs.signup_create(activity_id=a.pk, acting_user=other),
        )
        errors = [r for r in results if isinstance(r, ApplicationError)]
        assert len(errors) == 1, results
        assert (errors[0].code, errors[0].status, errors[0].field) == (
            "volunteer_activity_full",
            409,
            "capacity",
        )
        assert Activity.objects.get(pk=a.pk).signed_up == 1
        assert Signup.objects.filter(activity=a).count() == 1


def test_two_credits_of_one_checkin() -> None:
    """The volunteer checks out while the organiser credits the same check-in."""
    world = build_world()
    vw = volunteer_world(world)
    resident, staff = world.users[Role.RESIDENT], vw["staff"]
    for i in range(3):
        a = published(world, vw["team"], title=f"每周环境清扫 {i}")
        s = vs.signup_create(activity_id=a.pk, acting_user=resident)
        vs.checkin(activity_id=a.pk, acting_user=resident)
        results = race(
            lambda a=a: vs.checkout(activity_id=a.pk, acting_user=resident),
            lambda s=s: vs.hours_credit(signup_id=s.pk, acting_user=staff),
        )
        errors = [r for r in results if isinstance(r, ApplicationError)]
        assert len(errors) == 1, results
        # The loser is told the hours exist, or (the credit won) that it checked out already.
        assert errors[0].code in {
            "volunteer_hours_already_credited",
            "volunteer_already_checked_out",
        }
        assert errors[0].status == 409
        assert HoursRecord.objects.filter(signup=s).count() == 1
