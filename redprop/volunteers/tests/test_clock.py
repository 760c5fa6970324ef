"""The services read the platform's clock (redprop.core.clock), so a simulation (the
demo's history, a benchmark) can run a whole activity on simulated time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from redprop.accounts.choices import Role
from redprop.core.clock import SimulatedClock, travel
from redprop.core.errors import ApplicationError
from redprop.volunteers import services as vs
from redprop.volunteers.choices import HoursStatus
from redprop.volunteers.models import ActivityEvent
from redprop.volunteers.tests.helpers import volunteer_world

pytestmark = pytest.mark.django_db


def test_an_activity_three_days_ahead_runs_on_simulated_time(world):
    vw = volunteer_world(world, starts_in=dt.timedelta(days=3))
    a, staff = vw["activity"], vw["staff"]
    resident = world.users[Role.RESIDENT]
    vs.signup_create(activity_id=a.pk, acting_user=resident)
    # On the real clock the activity has not started: check-in is refused.
    with pytest.raises(ApplicationError):
        vs.checkin(activity_id=a.pk, acting_user=resident)
    sim = SimulatedClock(a.starts_at - dt.timedelta(minutes=10))
    with travel(sim):
        s = vs.checkin(activity_id=a.pk, acting_user=resident)
        assert s.checked_in_at == a.starts_at - dt.timedelta(minutes=10)
        sim.advance(dt.timedelta(hours=2, minutes=10))
        record = vs.checkout(activity_id=a.pk, acting_user=resident)
        sim.advance(dt.timedelta(hours=1))
        record = vs.hours_decide(record_id=record.pk, action="approve", acting_user=staff)
    # Counted from the start, in quarter hours: exactly the two hours served.
    assert record.hours == Decimal("2.00")
    assert record.status == HoursStatus.APPROVED
    assert record.decided_at == a.starts_at + dt.timedelta(hours=3)
    last = ActivityEvent.objects.filter(activity=a).order_by("-id").first()
    assert last.at == a.starts_at + dt.timedelta(hours=3)
