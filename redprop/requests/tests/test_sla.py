"""The 5341 clock: deadlines, pauses, warnings, breaches and escalations from the worker."""

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redprop.calendars.models import WorkCalendar
from redprop.requests import services, sla
from redprop.requests.models import (
    RequestEvent,
    ServiceRequest,
    SlaCheckpoint,
    SlaPolicy,
    SlaTarget,
)
from redprop.requests.tests.helpers import file_request, post

pytestmark = pytest.mark.django_db

MIN = dt.timedelta(minutes=1)


def dispatched(world, **kw):
    rid = file_request(world, **kw)["id"]
    post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    return ServiceRequest.objects.get(pk=rid)


def test_default_policy_is_jinghe_5341(world):
    r = dispatched(world)
    assert r.respond_due_at - r.clock_started_at == 5 * MIN
    assert r.resolve_due_at - r.clock_started_at == 30 * MIN
    major = dispatched(world, category="seepage")  # seepage defaults to a major problem
    assert major.resolve_due_at - major.clock_started_at == dt.timedelta(hours=4)


def test_warning_breach_and_escalation_grid_community_street(world, relay):
    from redprop.notifications.models import InboxItem

    r = dispatched(world)
    t0 = r.clock_started_at
    # 80 % of the 5-minute response clock; checkpoints fire strictly after their instant.
    assert r.next_sla_check_at == t0 + 4 * MIN + sla.CHECK_AFTER
    assert services.sla_sweep(now=t0 + 4 * MIN + dt.timedelta(seconds=1)) == 1
    relay()
    assert set(SlaCheckpoint.objects.values_list("key", flat=True)) == {"warn:respond"}
    worker = world.users["maintenance_worker"]
    assert InboxItem.objects.filter(user=worker, kind="request.deadline_warning").exists()

    services.sla_sweep(now=t0 + 6 * MIN)  # response breached → escalate to the grid
    relay()
    r.refresh_from_db()
    assert r.breached and r.escalation_level == 1
    assert InboxItem.objects.filter(
        user=world.users["grid_butler"], kind="request.escalated"
    ).exists()

    services.sla_sweep(now=t0 + 5 * MIN + 31 * MIN)  # +30 min after breach → community
    relay()
    assert InboxItem.objects.filter(
        user=world.users["community_staff"], kind="request.escalated"
    ).exists()
    services.sla_sweep(now=t0 + 5 * MIN + 121 * MIN)  # +120 min → street
    relay()
    assert InboxItem.objects.filter(
        user=world.users["street_officer"], kind="request.escalated"
    ).exists()
    r.refresh_from_db()
    assert r.escalation_level == 3
    kinds = list(RequestEvent.objects.filter(request=r).values_list("kind", flat=True))
    assert kinds.count("auto_escalated") == 3
    assert kinds.count("deadline_breached") == 2  # respond, then resolve (30 min)


def test_sweep_is_idempotent(world):
    r = dispatched(world)
    later = r.clock_started_at + dt.timedelta(hours=5)
    services.sla_sweep(now=later)
    n_events = RequestEvent.objects.count()
    n_checks = SlaCheckpoint.objects.count()
    for _ in range(3):
        services.sla_check(request_id=r.pk, now=later)
        services.sla_sweep(now=later)
    assert RequestEvent.objects.count() == n_events
    assert SlaCheckpoint.objects.count() == n_checks


def test_arrival_stops_the_response_clock(world):
    r = dispatched(world)
    post(world, "maintenance_worker", f"/{r.pk}/accept")
    post(world, "maintenance_worker", f"/{r.pk}/arrive")
    r.refresh_from_db()
    assert r.responded_at is not None
    # Only the resolve clock remains: its warning is at 24 minutes.
    assert r.next_sla_check_at == r.clock_started_at + 24 * MIN + sla.CHECK_AFTER


def test_waiting_on_resident_pauses_the_clock(world):
    r = dispatched(world)
    post(world, "maintenance_worker", f"/{r.pk}/accept")
    post(world, "maintenance_worker", f"/{r.pk}/arrive")
    paused = post(world, "maintenance_worker", f"/{r.pk}/pause", {"reason": "居民不在家"}).json()
    assert paused["status"] == "waiting_on_resident"
    assert paused["resolve_due_at"] is None  # no deadline while paused
    # As if dispatched 20 minutes ago and paused 5 minutes later (the resident was out).
    RequestEvent.objects.filter(request=r).exclude(kind="paused").update(at=F("at") - 20 * MIN)
    RequestEvent.objects.filter(request=r, kind="paused").update(at=F("at") - 15 * MIN)
    resumed = post(world, "maintenance_worker", f"/{r.pk}/resume").json()
    assert resumed["status"] == "on_site"
    r.refresh_from_db()
    events = {e.kind: e.at for e in RequestEvent.objects.filter(request=r)}
    pause = events["resumed"] - events["paused"]
    assert pause > 14 * MIN
    assert r.resolve_due_at == events["dispatched"] + 30 * MIN + pause
    kinds = [e.kind for e in RequestEvent.objects.filter(request=r)]
    assert "paused" in kinds and "resumed" in kinds  # the pause is on the timeline


def test_policy_in_force_at_filing_is_kept(world):
    before = dispatched(world)
    # The community adopts Caidian's reading of 5341: reply in 5, ordinary matters in 30 min
    # but working hours only, and a 60-minute resolve clock.
    policy = SlaPolicy.objects.create(
        name="蔡甸“5341”",
        region=world.community,
        respond_event="accepted",
        standard_calendar=WorkCalendar.objects.get(code="working_hours"),
        urgent_calendar=WorkCalendar.objects.get(code="working_hours"),
    )
    SlaTarget.objects.create(policy=policy, severity="normal", clock="respond", minutes=5)
    SlaTarget.objects.create(policy=policy, severity="normal", clock="resolve", minutes=60)
    after = dispatched(world)
    before.refresh_from_db()
    assert before.sla["resolve"] == 30 and before.sla["calendar"]["kind"] == "24x7"
    assert after.sla["resolve"] == 60 and after.sla["calendar"]["code"] == "working_hours"
    assert after.policy == policy
    # A policy of another community does not apply here.
    assert dispatched(world).policy == policy


def test_street_policy_applies_to_its_communities(world):
    policy = SlaPolicy.objects.create(name="街道规则", region=world.street)
    SlaTarget.objects.create(policy=policy, severity="normal", clock="resolve", minutes=45)
    r = dispatched(world)
    assert r.sla["resolve"] == 45


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pauses=st.lists(st.tuples(st.integers(0, 120), st.integers(1, 90)), max_size=3),
    minutes=st.integers(1, 600),
)
def test_deadline_with_pauses_property(world, pauses, minutes):
    """Whatever the pauses, counted time from dispatch to the deadline equals the target."""
    from redprop.calendars.engine import AlwaysOn, elapsed_with_pauses

    r = ServiceRequest(
        sla={"resolve": minutes, "respond": 5, "calendar": "24x7"}, status="accepted"
    )
    t0 = timezone.now().replace(microsecond=0)
    events = [RequestEvent(kind="dispatched", at=t0, id=1)]
    t, i = t0, 2
    for offset, length in sorted(pauses):
        start = max(t, t0 + dt.timedelta(minutes=offset))
        end = start + dt.timedelta(minutes=length)
        events += [
            RequestEvent(kind="paused", at=start, id=i),
            RequestEvent(kind="resumed", at=end, id=i + 1),
        ]
        t, i = end, i + 2
    states = sla.clocks(r, events)
    due = states["resolve"].due_at
    counted = elapsed_with_pauses(AlwaysOn(), t0, due, sla.pauses_of(events))
    assert counted == dt.timedelta(minutes=minutes)


def test_the_clock_command_fires_warnings_and_beats(world):
    """`manage.py run_clock` runs this pass every 15 s (the command itself also closes
    stale connections between passes, which a test transaction cannot survive)."""
    from redprop.core import clock
    from redprop.core.models import Heartbeat
    from redprop.requests.management.commands.run_clock import one_pass

    r = dispatched(world)
    with clock.travel(lambda: r.clock_started_at + 40 * MIN):
        one_pass()
    r.refresh_from_db()
    assert r.breached
    assert SlaCheckpoint.objects.filter(request=r, key="breach:resolve").exists()
    assert Heartbeat.objects.filter(name="clock").exists()
