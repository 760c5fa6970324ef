"""Countdowns, Chinese dates and the handler's contact."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from redprop.requests import services
from redprop.requests.models import ServiceRequest
from redprop.web import presenters
from redprop.web.tests.helpers import dispatched

pytestmark = pytest.mark.django_db

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_chinese_datetime_in_shanghai():
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    value = dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)  # 14:30 in Shanghai
    assert presenters.cn_datetime(value, now=now) == "11月25日 14:30"
    assert presenters.cn_datetime(value.replace(year=2025), now=now) == "2025年11月25日 14:30"


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "不到 1 分钟"), (12, "12 分钟"), (65, "1 小时 5 分钟"), (60 * 26, "1 天 2 小时")],
)
def test_duration_text(minutes, text):
    assert presenters.duration_text(dt.timedelta(minutes=minutes)) == text


def test_due_is_ok_then_warn_at_80_percent_then_breach(world):
    r = dispatched(world)  # 5341: arrive within 5 minutes
    start = r.clock_started_at
    assert presenters.due_of(r, now=start + dt.timedelta(minutes=1)).level == "ok"
    warn = presenters.due_of(r, now=start + dt.timedelta(minutes=4, seconds=1))
    assert warn.level == "warn" and warn.text == "距到场时限 不到 1 分钟"
    bad = presenters.due_of(r, now=start + dt.timedelta(minutes=17))
    assert bad.level == "bad" and bad.text == "到场已超时 12 分钟"
    # With the timeline, the SLA clock's own warning instant is used.
    events = list(r.events.all())
    assert (
        presenters.due_of(r, now=start + dt.timedelta(minutes=4, seconds=1), events=events).level
        == "warn"
    )


def test_due_switches_to_the_resolve_clock_after_arrival(world):
    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    services.request_accept(request=r, acting_user=worker)
    r = services.request_arrive(request=r, acting_user=worker)
    due = presenters.due_of(r, now=timezone.now())
    assert due.clock_label == "办结" and due.at == r.resolve_due_at


def test_no_countdown_for_a_request_nobody_is_working_on(world):
    r = ServiceRequest(status="submitted", sla={})
    assert presenters.due_of(r) is None


def test_handler_contact_prefers_the_units_phone_when_the_worker_has_no_person(world):
    world.company.service_phone = "027-8888-1234"
    world.company.save()
    r = dispatched(world)
    contact = presenters.handler_contact(r)
    assert contact.org == "径河红色物业"
    assert contact.name == str(world.users["maintenance_worker"])
    assert contact.phone == "027-8888-1234"


def test_orders_are_sorted_by_deadline_and_coloured(world):
    soon = dispatched(world, description="电梯困人")
    later = dispatched(world, description="楼道灯不亮")
    now = timezone.now()
    ServiceRequest.objects.filter(pk=soon.pk).update(respond_due_at=now - dt.timedelta(minutes=1))
    ServiceRequest.objects.filter(pk=later.pk).update(respond_due_at=now + dt.timedelta(hours=3))
    body = world.client("maintenance_worker").get("/orders/").content.decode()
    assert body.index(soon.number) < body.index(later.number)
    assert "order-bad" in body and "到场已超时" in body
    assert 'hx-trigger="every 60s"' in body
    frag = world.client("maintenance_worker").get("/orders/", headers={"HX-Request": "true"})
    assert frag.content.decode().lstrip().startswith('<div id="orders"')


def test_list_pages_use_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(6):
        dispatched(world, description=f"第{i}号楼道灯不亮")
    worker, resident, staff = (
        world.client(role) for role in ("maintenance_worker", "resident", "community_staff")
    )
    with django_assert_max_num_queries(12):
        worker.get("/orders/")
    with django_assert_max_num_queries(12):
        resident.get("/my/")
    with django_assert_max_num_queries(20):
        staff.get("/console/?tab=new")


def test_a_place_names_the_building_once(world):
    """ "稻香苑 1栋 1栋1单元102" named the building twice."""
    r = dispatched(world)
    assert r.unit.label == "1栋1单元101" and r.building.name == "1栋"
    assert presenters.place_text(r) == "幸福小区 1栋1单元101"
    page = world.client("maintenance_worker").get(f"/r/{r.pk}/").content.decode()
    assert "幸福小区 1栋1单元101" in page and "1栋 1栋1单元101" not in page
    orders = world.client("maintenance_worker").get("/orders/").content.decode()
    assert "幸福小区 1栋1单元101" in orders and "1栋 1栋1单元101" not in orders
    # A label without its building keeps the building; a building without a unit too.
    r.unit.label = "102"
    assert presenters.place_text(r) == "幸福小区 1栋 102"
    r.unit = None
    assert presenters.place_text(r) == "幸福小区 1栋"
