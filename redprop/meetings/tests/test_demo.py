"""The demo's year of meetings, played through the services on the demo foundation."""

from __future__ import annotations

import pytest

from redprop.meetings.choices import MeetingStatus, OverrideAction, ResolutionStatus
from redprop.meetings.models import AgendaItem, Issue, Meeting, OccurrenceOverride, Resolution

pytestmark = pytest.mark.django_db


def test_demo_year_of_meetings() -> None:
    from redprop.demo.seed import run_seed
    from redprop.demo.seed.meetings import seed_meetings

    ctx = run_seed(seed=3, scale=0.05, registered=False)
    seed_meetings(ctx)
    erqiaoxi = next(c for c in ctx.communities if "二桥西" in c.name)
    held = Meeting.objects.filter(community=erqiaoxi, status=MeetingStatus.CLOSED)
    assert held.count() >= 20  # "召开逢四说事会20余场"
    assert Issue.objects.filter(community=erqiaoxi).count() >= 40
    assert AgendaItem.objects.filter(meeting__community=erqiaoxi, carried_count__gt=0).exists()
    assert Resolution.objects.filter(status=ResolutionStatus.DONE).exists()
    assert Resolution.objects.filter(status=ResolutionStatus.ADOPTED).exists()
    # Every meeting of the year has minutes: each item discussed or deferred.
    assert not AgendaItem.objects.filter(meeting__in=held, status="pending").exists()
    # Holidays on a rule date were moved, not held on the day off.
    assert OccurrenceOverride.objects.filter(action=OverrideAction.MOVED).exists()
    # The focus community's next 逢四说事 has issues waiting.
    focus = ctx.focus["community"]
    assert Issue.objects.filter(community=focus, status="collected").count() >= 3
