"""Calendars as data, end to end through the request services: a year loaded from
a file moves a deadline, a year with no table is flagged, "1 working day",
per-target calendars, escalation in calendar time, and the breach boundary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from redprop.calendars.models import HolidayYear, WorkCalendar
from redprop.core import clock
from redprop.core.models import AuditEvent, AuditLog
from redprop.dashboards import selectors as dashboards
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

SH = ZoneInfo("Asia/Shanghai")
MIN = dt.timedelta(minutes=1)


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def cal(code: str) -> WorkCalendar:
    return WorkCalendar.objects.get(code=code)


def working_policy(world, **targets):
    """A community policy in working hours: ``resolve=420`` (minutes) or
    ``plan=("days", 1)``, with escalation steps [0, 60]."""
    policy = SlaPolicy.objects.create(
        name="工作时间规则",
        region=world.community,
        standard_calendar=cal("working_hours"),
        urgent_calendar=cal("working_hours"),
        escalate_after_minutes=[0, 60],
        effective_from=sh(2020, 1, 1),
    )
    for clock_name, value in targets.items():
        if isinstance(value, tuple):
            SlaTarget.objects.create(
                policy=policy,
                severity="normal",
                clock=clock_name,
                unit="working_days",
                working_days=value[1],
            )
        else:
            SlaTarget.objects.create(
                policy=policy, severity="normal", clock=clock_name, minutes=value
            )
    return policy


def dispatched_at(world, moment: dt.datetime) -> ServiceRequest:
    with clock.travel(lambda: moment):
        rid = file_request(world)["id"]
        resp = post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
        assert resp.status_code == 200, resp.content
    return ServiceRequest.objects.get(pk=rid)


# --- a year loaded from a file -----------------------------------------------------------


def test_a_2027_holiday_loaded_from_a_file_moves_a_deadline(world, tmp_path):
    working_policy(world, respond=5, resolve=420)
    # Monday 7 June 2027, 10:00: seven working hours end on Tuesday at 10:00 by the
    # provisional table (statutory days only).
    r = dispatched_at(world, sh(2027, 6, 7, 10))
    assert r.resolve_due_at == sh(2027, 6, 8, 10)
    assert not r.holidays_missing
    notice = tmp_path / "2027.csv"
    notice.write_text(
        "# 国务院办公厅关于2027年部分节假日安排的通知（示例）\n"
        "date,kind,name\n"
        "2027-06-08,off,端午节\n"
        "2027-06-09,off,端午节\n"
        "2027-06-12,workday,端午节调休上班\n",
        encoding="utf-8",
    )
    call_command(
        "calendar_import",
        year=2027,
        file=notice,
        source="国办发明电〔2026〕示例号",
        verbosity=0,
    )
    r.refresh_from_db()
    # 8 and 9 June are now off: the deadline moves to Thursday 10 June at 10:00.
    assert r.resolve_due_at == sh(2027, 6, 10, 10)
    loaded = HolidayYear.objects.get(table__code="CN", year=2027)
    assert loaded.status == "official" and loaded.days.count() == 3
    row = AuditLog.objects.get(event_type=AuditEvent.HOLIDAYS_LOADED, target_id=str(loaded.pk))
    assert "2027-06-08 off 端午节" in row.after["days"]
    assert "2027-01-01 off 元旦" in row.before["days"]  # the provisional days it replaced


def test_a_bad_file_writes_nothing(world, tmp_path):
    notice = tmp_path / "bad.csv"
    notice.write_text("2027-06-08,off,端午节\n2027-13-01,off,x\n", encoding="utf-8")
    before = HolidayYear.objects.get(table__code="CN", year=2027).days.count()
    with pytest.raises(Exception, match="calendar_bad_file"):
        call_command("calendar_import", year=2027, file=notice, source="x", verbosity=0)
    wrong_year = tmp_path / "wrong.csv"
    wrong_year.write_text("2028-01-01,off,元旦\n", encoding="utf-8")
    with pytest.raises(Exception, match="calendar_day_outside_year"):
        call_command("calendar_import", year=2027, file=wrong_year, source="x", verbosity=0)
    assert HolidayYear.objects.get(table__code="CN", year=2027).days.count() == before


# --- a year with no table ----------------------------------------------------------------


def test_a_deadline_in_a_year_with_no_table_is_flagged_and_counted(world):
    working_policy(world, respond=5, resolve=420)
    assert not HolidayYear.objects.filter(table__code="CN", year=2029).exists()
    r = dispatched_at(world, sh(2029, 3, 5, 10))
    assert r.holidays_missing
    staff = world.users["community_staff"]
    assert dashboards.holidays_missing_open(scope=staff.scope_set()) == 1
    # The platform default (24x7) never reads a table: nothing to flag.
    SlaPolicy.objects.filter(region=world.community).update(is_active=False)
    assert not dispatched_at(world, sh(2029, 3, 5, 10)).holidays_missing
    # Loading the year clears the flag of the open request.
    call_command("calendar_import", year=2029, from_library=True, verbosity=0)
    r.refresh_from_db()
    assert not r.holidays_missing
    assert dashboards.holidays_missing_open(scope=staff.scope_set()) == 0


def test_healthz_warns_from_1_november_when_next_year_is_missing(client):
    HolidayYear.objects.filter(table__code="CN", year=2028).delete()
    with clock.travel(lambda: sh(2027, 10, 31, 12)):
        assert "holidays" not in client.get("/healthz").json()
    with clock.travel(lambda: sh(2027, 11, 1, 12)):
        body = client.get("/healthz").json()
    assert body["holidays"] == {"table": "CN", "year": 2028, "state": "missing"}
    assert "holidays" in body["warnings"] and "holidays" not in body.get("failing", [])
    with clock.travel(lambda: sh(2026, 11, 2, 12)):  # 2027 is loaded, but provisional
        assert client.get("/healthz").json()["holidays"]["state"] == "provisional"


# --- working days ------------------------------------------------------------------------


def test_plan_within_1_working_day_ends_at_the_close_of_the_next_working_day(world):
    working_policy(world, respond=5, plan=("days", 1))
    monday = dispatched_at(world, sh(2026, 11, 16, 10))
    assert monday.plan_due_at == sh(2026, 11, 17, 17, 30)
    # The eve of National Day 2026 (1-7 October off): the next working day is 8 October.
    eve = dispatched_at(world, sh(2026, 9, 30, 10))
    assert eve.plan_due_at == sh(2026, 10, 8, 17, 30)


def test_the_default_policy_plans_within_1_working_day(world):
    """Complex problems under the platform default: 1 working day in working hours,
    while the response still runs on the wall clock."""
    with clock.travel(lambda: sh(2026, 11, 16, 10)):
        rid = file_request(world, category="seepage", severity="complex")["id"]
        post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    r = ServiceRequest.objects.get(pk=rid)
    assert r.sla["working_days"] == {"plan": 1}
    assert r.respond_due_at == sh(2026, 11, 16, 10, 5)
    assert r.plan_due_at == sh(2026, 11, 17, 17, 30)


def test_each_target_has_its_own_calendar(world):
    """Arrive within 5 wall-clock minutes even at night; solve in working time."""
    policy = working_policy(world, resolve=30)
    SlaTarget.objects.create(
        policy=policy, severity="normal", clock="respond", minutes=5, calendar=cal("24x7")
    )
    r = dispatched_at(world, sh(2026, 11, 16, 22))
    assert r.respond_due_at == sh(2026, 11, 16, 22, 5)
    assert r.resolve_due_at == sh(2026, 11, 17, 9)


def test_escalation_steps_count_in_the_calendar_of_the_breached_target(world):
    working_policy(world, respond=5, resolve=60)
    r = dispatched_at(world, sh(2026, 11, 20, 16, 25))  # a Friday
    assert r.resolve_due_at == sh(2026, 11, 20, 17, 25)
    services.sla_check(request_id=r.pk, now=sh(2026, 11, 20, 17, 26))
    states = sla.clocks(r, list(RequestEvent.objects.filter(request=r).order_by("at", "id")))
    steps = dict(sla._escalations(r, states, set()))
    # The respond clock breached first (16:30); 60 working minutes later is 17:30.
    assert steps == {1: sh(2026, 11, 20, 16, 30), 2: sh(2026, 11, 20, 17, 30)}
    wall = ServiceRequest(sla={**r.sla, "escalate_in": "wall_clock"}, status=r.status)
    assert dict(sla._escalations(wall, states, set()))[2] == sh(2026, 11, 20, 17, 30)
    r.sla = {**r.sla, "escalate": [0, 120]}
    # 120 working minutes after 16:30 on a Friday: Monday 09:30.
    assert dict(sla._escalations(r, states, set()))[2] == sh(2026, 11, 23, 9, 30)
    wall.sla = {**wall.sla, "escalate": [0, 120]}
    assert dict(sla._escalations(wall, states, set()))[2] == sh(2026, 11, 20, 18, 30)


# --- the boundary ------------------------------------------------------------------------


def test_done_at_the_due_instant_is_on_time_and_the_sweep_does_not_breach_then(world):
    r = dispatched_at(world, sh(2026, 11, 16, 10))
    due = r.respond_due_at
    assert due == sh(2026, 11, 16, 10, 5)
    # The sweep at the due instant itself: the warning, no breach, no escalation step 0.
    assert services.sla_check(request_id=r.pk, now=due) == ["warn:respond"]
    assert services.sla_sweep(now=due) == 0
    assert services.sla_check(request_id=r.pk, now=due) == []
    assert not SlaCheckpoint.objects.filter(request=r, key__startswith="breach").exists()
    r.refresh_from_db()
    assert not r.breached and r.escalation_level == 0
    assert r.next_sla_check_at == due + sla.CHECK_AFTER
    # Arriving at that instant is on time.
    with clock.travel(lambda: due):
        post(world, "maintenance_worker", f"/{r.pk}/accept")
        post(world, "maintenance_worker", f"/{r.pk}/arrive")
    r.refresh_from_db()
    assert r.responded_at == due
    # Resolved exactly at the resolve deadline: on time, and nothing breaches.
    with clock.travel(lambda: r.resolve_due_at):
        resp = post(world, "maintenance_worker", f"/{r.pk}/resolve", {"note": "已疏通"})
        assert resp.status_code == 200, resp.content
    resolved = RequestEvent.objects.get(request=r, kind="resolved")
    assert resolved.data["on_time"] is True
    services.sla_sweep(now=r.resolve_due_at + dt.timedelta(hours=1))
    assert not ServiceRequest.objects.get(pk=r.pk).breached


def test_one_microsecond_after_the_due_instant_breaches_and_escalates(world):
    r = dispatched_at(world, sh(2026, 11, 16, 10))
    due = r.respond_due_at
    assert services.sla_sweep(now=due + sla.CHECK_AFTER) == 1
    keys = set(SlaCheckpoint.objects.filter(request=r).values_list("key", flat=True))
    assert {"breach:respond", "escalate:1"} <= keys
