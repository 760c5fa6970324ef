"""The demo's volunteers (redprop/demo/seed/volunteers.py) on a small seeded foundation."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.demo.seed import run_seed
from redprop.demo.seed.volunteers import HAIJING, seed_volunteers
from redprop.volunteers import selectors
from redprop.volunteers.choices import HoursStatus
from redprop.volunteers.models import HoursRecord, Team, Volunteer

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 7)


def test_a_team_per_place_haijing_alliance_and_the_demo_resident_record():
    ctx = run_seed(seed=1, scale=0.02, today=TODAY, registered=False)
    seed_volunteers(ctx)
    # A volunteer team in every community.
    assert set(Team.objects.values_list("community_id", flat=True)) == {
        c.pk for c in ctx.communities
    }
    haijing = next(c for c in ctx.communities if c.name == HAIJING)
    vols = Volunteer.objects.filter(community=haijing)
    vanguard = vols.filter(teams__kind="vanguard").count()
    assert vanguard == ctx.k(90)
    assert vols.count() == ctx.k(90) + ctx.k(280)
    assert HoursRecord.objects.filter(community=haijing, status=HoursStatus.APPROVED).exists()
    # The demo resident: approved hours from two clean-ups, checked in today.
    resident = ctx.users["resident"]
    rec = selectors.my_record(user=resident)
    assert rec is not None and rec.approved == 4
    assert rec.times == 2
    today = ctx.extra["volunteers"]["today"]
    assert selectors.my_signup(
        user=resident, activity=selectors.activity_get(user=resident, activity_id=today)
    ).checked_in_at
    assert selectors.hours_by_person(resident.person_id, TODAY - dt.timedelta(days=30), TODAY) == 4
