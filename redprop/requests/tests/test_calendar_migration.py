"""Calendars became records (requests migration 0008): the old names map to the
seeded records, and no stored due time changes (docs/adr/0015)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import holidays
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from redprop.calendars import selectors as calendars
from redprop.calendars.engine import AlwaysOn, WorkingHours, calendar_from_spec
from redprop.conftest import install_reference_data
from redprop.requests import sla
from redprop.requests.models import RequestEvent, ServiceRequest

BEFORE = [("requests", "0007_backfill_search_text_and_gram_index")]
AFTER = [("requests", "0008_calendars_as_records")]


def legacy_is_working_day(day: dt.date) -> bool:
    """The working day as the code before 0008 computed it (chinesecalendar, else
    weekends and the statutory holidays of holidays.China, no 调休)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5 and day not in holidays.China(years=day.year, observed=False)


def legacy_calendar(spec):
    if spec in ("24x7", {"kind": "24x7"}):
        return AlwaysOn()
    assert spec == "working_hours"
    return WorkingHours(day_kind=legacy_is_working_day)


@pytest.mark.once  # 25 s: .ci/run runs it on PostgreSQL only
@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_calendar_names_into_records():
    # Transactional tests before this one flushed what the seed migration installed.
    install_reference_data()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _names_to_records(executor)
    finally:  # never leave the test database behind the code
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _names_to_records(executor):
    old = executor.loader.project_state(BEFORE).apps
    policy = old.get_model("requests", "SlaPolicy").objects.create(
        name="蔡甸", urgent_calendar="24x7", standard_calendar="working_hours"
    )
    default = old.get_model("requests", "SlaPolicy").objects.create(
        name="径河街道“5341”快速响应（平台默认）"
    )
    target = old.get_model("requests", "SlaTarget").objects.create(
        policy=default, severity="complex", clock="plan", minutes=1440
    )
    kept = old.get_model("requests", "SlaTarget").objects.create(
        policy=policy, severity="complex", clock="plan", minutes=1440
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    SlaPolicy = new.get_model("requests", "SlaPolicy")
    SlaTarget = new.get_model("requests", "SlaTarget")
    migrated = SlaPolicy.objects.select_related("urgent_calendar", "standard_calendar").get(
        pk=policy.pk
    )
    assert migrated.urgent_calendar.code == "24x7"
    assert migrated.standard_calendar.code == "working_hours"
    assert SlaPolicy.objects.get(pk=policy.pk).escalate_in == "target"
    # The untouched default "plan within 1 day" becomes 1 working day; a city's own
    # 1,440 minutes stay what they were.
    plan = SlaTarget.objects.select_related("calendar").get(pk=target.pk)
    assert (plan.unit, plan.working_days, plan.minutes) == ("working_days", 1, None)
    assert plan.calendar.code == "working_hours"
    same = SlaTarget.objects.get(pk=kept.pk)
    assert (same.unit, same.minutes, same.calendar_id) == ("minutes", 1440, None)


@pytest.mark.django_db
def test_the_loaded_table_is_the_calendar_the_code_used_before():
    """Every day 2004-2027: the seeded table CN says what chinesecalendar (and, for
    2027, the statutory-holiday fallback) said, so working-hours deadlines of
    requests filed before are the same."""
    calendars.day_table("CN")  # load once
    day = dt.date(2004, 1, 1)
    while day.year <= 2027:
        assert calendars.is_working_day(day) is legacy_is_working_day(day), day
        day += dt.timedelta(days=1)


@pytest.mark.once  # 23 s: .ci/run runs it on PostgreSQL only
@pytest.mark.django_db
def test_no_stored_due_time_changes_on_the_demo_data():
    """The demo's year of requests, played through the services: every stored due
    time is what the clocks compute now; and the same timelines under a snapshot of
    the old form ("24x7" / "working_hours" names, minutes) give the same deadlines
    with the table as with the libraries the code used before."""
    call_command("seed_demo", seed=3, scale=0.05, verbosity=0)
    checked = 0
    for r in ServiceRequest.objects.exclude(clock_started_at=None).iterator():
        events = list(RequestEvent.objects.filter(request=r).order_by("at", "id"))
        states, _missing = sla.evaluate(r, events)
        assert r.respond_due_at == states["respond"].due_at, r.pk
        assert r.resolve_due_at == states["resolve"].due_at, r.pk
        if "plan" in states:
            assert r.plan_due_at == states["plan"].due_at, r.pk
        for name in ("24x7", "working_hours"):
            old = {k: v for k, v in r.sla.items() if k not in ("version", "calendars")}
            old.pop("working_days", None)
            old.update({"calendar": name, "plan": r.sla.get("plan", 1440)})
            legacy = ServiceRequest(sla=old, status=r.status)
            now, _ = sla.evaluate(legacy, events)
            before, _ = sla.evaluate(legacy, events, build=legacy_calendar)
            for clock_name in now:
                assert now[clock_name].due_at == before[clock_name].due_at, (r.pk, name)
                assert now[clock_name].warn_at == before[clock_name].warn_at, (r.pk, name)
        checked += 1
    assert checked > 20
    # A legacy spec still builds the table-backed calendar.
    assert isinstance(calendar_from_spec("working_hours", calendars.day_table), WorkingHours)
