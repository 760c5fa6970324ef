"""整改期限: the clock reminds the day before and reports overdue items, once per due date."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.campaigns import services
from redprop.campaigns.choices import DueNotice
from redprop.campaigns.deadlines import item_due_sweep
from redprop.campaigns.tests.test_campaigns import found, jpeg, launch
from redprop.core.sweeps import run_all
from redprop.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _told(kind: str) -> list[Any]:
    return list(OutboxMessage.objects.filter(kind=f"campaigns.{kind}").order_by("pk"))


def test_due_tomorrow_is_reminded_once_then_overdue_is_reported_once(world: Any) -> None:
    w = world
    today = timezone.localdate()
    c = launch(w)
    staff, company = w.users[Role.COMMUNITY_STAFF], w.users[Role.COMPANY_STAFF]
    item = services.item_assign(
        item=found(w, c),
        acting_user=staff,
        org=w.company,
        assignee=company,
        due_on=today + dt.timedelta(days=1),
    )
    assert item_due_sweep(today=today - dt.timedelta(days=1)) == 0  # two days early

    assert item_due_sweep(today=today) == 1
    assert item_due_sweep(today=today) == 0  # once per due date
    (soon,) = _told("item_due_soon")
    assert soon.audience["users"] == [company.pk]
    assert "明天到期" in soon.subject and soon.link == item.get_absolute_url()
    assert not _told("item_overdue")

    later = today + dt.timedelta(days=3)
    assert item_due_sweep(today=later) == 1
    assert item_due_sweep(today=later) == 0
    (late,) = _told("item_overdue")
    assert sorted(late.audience["users"]) == sorted([company.pk, c.created_by_id])
    item.refresh_from_db()
    assert item.due_notice == DueNotice.OVERDUE
    assert item.days_overdue(later) == 2

    # The same due date again: nothing starts over; a new one starts the reminders over.
    item = services.item_assign(
        item=item,
        acting_user=staff,
        org=w.company,
        assignee=company,
        due_on=today + dt.timedelta(days=1),
    )
    assert item.due_notice == DueNotice.OVERDUE
    item = services.item_assign(
        item=item,
        acting_user=staff,
        org=w.company,
        assignee=company,
        due_on=today + dt.timedelta(days=2),
    )
    assert item.due_notice == DueNotice.NONE
    assert item_due_sweep(today=today + dt.timedelta(days=1)) == 1
    assert len(_told("item_due_soon")) == 2


def test_fixed_items_and_items_without_a_person_are_handled(world: Any) -> None:
    w = world
    today = timezone.localdate()
    c = launch(w)
    staff, company = w.users[Role.COMMUNITY_STAFF], w.users[Role.COMPANY_STAFF]
    fixed = services.item_assign(
        item=found(w, c), acting_user=staff, org=w.company, assignee=company, due_on=today
    )
    services.item_fix(item=fixed, acting_user=company, photo=jpeg())
    # Assigned to the unit with nobody named: its staff are told.
    unit_only = services.item_assign(
        item=found(w, c, description="楼道堆物"), acting_user=staff, org=w.company, due_on=today
    )
    later = today + dt.timedelta(days=5)
    assert item_due_sweep(today=later) == 1
    (late,) = _told("item_overdue")
    assert late.target_id == str(unit_only.pk)
    assert late.audience["org_roles"]["org"] == w.company.pk
    assert late.audience["users"] == [c.created_by_id]
    fixed.refresh_from_db()
    assert fixed.days_overdue(later) == 0 and fixed.due_notice == DueNotice.NONE


def test_the_clock_runs_the_sweep_and_the_item_page_shows_the_delay(world: Any) -> None:
    w = world
    today = timezone.localdate()
    c = launch(w)
    staff, company = w.users[Role.COMMUNITY_STAFF], w.users[Role.COMPANY_STAFF]
    item = services.item_assign(
        item=found(w, c), acting_user=staff, org=w.company, assignee=company, due_on=today
    )
    type(item).objects.filter(pk=item.pk).update(due_on=today - dt.timedelta(days=2))
    assert run_all()["campaign_items_due"] == 1
    page = w.client(Role.COMPANY_STAFF).get(item.get_absolute_url()).content.decode()
    assert "逾期 2 天" in page
    listing = w.client(Role.COMMUNITY_STAFF).get(c.get_absolute_url()).content.decode()
    assert "逾期 2 天" in listing


def test_the_due_date_and_overdue_days_follow_the_platform_clock(world: Any) -> None:
    """A simulation (the demo's history) runs on ``core.clock``: a due date that is past
    on the wall but ahead on the simulated day is accepted, and overdue days count from
    the simulated day."""
    from redprop.core import clock

    w = world
    staff, company = w.users[Role.COMMUNITY_STAFF], w.users[Role.COMPANY_STAFF]
    c = launch(w)
    reported = found(w, c)
    then = timezone.now() - dt.timedelta(days=30)
    sim = clock.SimulatedClock(then)
    with clock.travel(sim):
        item = services.item_assign(
            item=reported,
            acting_user=staff,
            org=w.company,
            assignee=company,
            due_on=timezone.localdate(then) + dt.timedelta(days=2),
        )
        assert item.days_overdue() == 0
        sim.advance(dt.timedelta(days=5))
        assert item.days_overdue() == 3
    # On the wall's day the same date is long past: refused, nothing changed.
    with pytest.raises(Exception) as exc:
        services.item_assign(
            item=item,
            acting_user=staff,
            org=w.company,
            assignee=company,
            due_on=timezone.localdate(then) + dt.timedelta(days=3),
        )
    assert getattr(exc.value, "field", None) == "due_on"
    item.refresh_from_db()
    assert item.due_on == timezone.localdate(then) + dt.timedelta(days=2)
