"""The other steps through the pages: plan, pause/resume, return, cancel, reopen, window intake."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from redprop.requests import services
from redprop.requests.models import ServiceRequest
from redprop.web.tests.helpers import dispatched, file_via_service

pytestmark = pytest.mark.django_db


def step(world, role, r, action, **fields):
    r.refresh_from_db()
    data = {f"{action}-version": r.version}
    data.update({f"{action}-{k}": v for k, v in fields.items()})
    resp = world.client(role).post(f"/r/{r.pk}/do/{action}/", data)
    assert resp.status_code == 302, resp.content.decode()[:800]
    r.refresh_from_db()
    return r


def test_worker_requires_a_plan_submits_it_pauses_and_resumes(world):
    r = dispatched(world)
    worker = "maintenance_worker"
    page = world.client(worker).get(f"/r/{r.pk}/").content.decode()
    assert "/do/accept/" in page and "/do/return/" in page and "/do/arrive/" not in page
    step(world, worker, r, "accept")
    r = step(world, worker, r, "require_plan", reason="需更换整段主管道")
    assert r.status == "plan_required"
    page = world.client(worker).get(f"/r/{r.pk}/").content.decode()
    assert "距出方案时限" in page and "提交书面方案" in page
    by = timezone.localtime() + dt.timedelta(days=3)
    r = step(
        world,
        worker,
        r,
        "submit_plan",
        plan="更换 1 栋主下水管，需业主配合停水半天",
        resolve_by=by.strftime("%Y-%m-%dT%H:%M"),
    )
    assert r.status == "plan_submitted"
    assert abs((r.resolve_due_at - by).total_seconds()) < 60
    page = world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "承诺" in page and "前办结" in page  # the plan's deadline on the timeline
    r = step(world, worker, r, "pause", reason="居民出差，约定周末上门")
    assert r.status == "waiting_on_resident"
    page = world.client(worker).get(f"/r/{r.pk}/").content.decode()
    assert "恢复办理" in page and "/do/pause/" not in page
    r = step(world, worker, r, "resume")
    assert r.status == "plan_submitted"


def test_unit_returns_an_order_that_is_not_theirs(world):
    r = services.request_dispatch(
        request=file_via_service(world),
        org=world.water,
        acting_user=world.users["community_staff"],
    )
    r = step(world, "unit_staff", r, "return", reason="属于物业维修范围")
    assert r.status == "returned"
    assert r.number in (
        world.client("community_staff").get("/console/queue/?tab=returned").content.decode()
    )


def test_resident_cancels_before_acceptance(world):
    r = dispatched(world)
    page = world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "撤销诉求" in page
    r = step(world, "resident", r, "cancel", reason="自己修好了")
    assert r.status == "cancelled"


def test_resident_unsatisfied_reopens(world):
    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已疏通", acting_user=worker)
    r = step(world, "resident", r, "rate", score="2", solved="no", comment="第二天又堵了")
    assert (r.status, r.rating, r.solved) == ("rated", 2, False)
    page = world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "问题没解决？要求重新办理" in page and "/do/rate/" not in page
    r = step(world, "resident", r, "reopen", reason="第二天又堵了")
    assert r.status == "reopened" and r.reopen_count == 1
    # Back in the dispatcher's "reopened" queue, and in the worker's orders.
    assert r.number in (
        world.client("community_staff").get("/console/queue/?tab=reopened").content.decode()
    )
    assert r.number in world.client("maintenance_worker").get("/orders/").content.decode()


def test_community_staff_take_a_report_at_the_window(world):
    staff = world.client("community_staff")
    page = staff.get("/file/").content.decode()
    assert f'value="c:{world.compound.pk}"' in page and f'value="b:{world.building_2.pk}"' in page
    assert f'value="c:{world.compound_b.pk}"' not in page  # another community
    resp = staff.post(
        "/file/",
        {
            "category": "neighbour_dispute",
            "description": "楼上装修噪音扰民，协调未果",
            "place": f"c:{world.compound.pk}",
        },
    )
    assert resp.status_code == 302
    r = ServiceRequest.objects.get()
    assert (r.channel, r.compound_id, r.building_id) == ("window", world.compound.pk, None)


def test_a_follower_does_not_see_the_neighbours_name_or_words(world):
    from django.test import Client

    from redprop.accounts.choices import Role
    from redprop.accounts.services import role_grant, user_create
    from redprop.conftest import PASSWORD
    from redprop.people.services import person_create
    from redprop.territory import services as territory

    neighbour = person_create(name="赵小梅", mobile="13700002222", acting_user=None)
    unit = territory.unit_create(
        building=world.building,
        label="1栋2单元302",
        floor_area="80",
        owners=[neighbour],
        acting_user=None,
    )
    territory.occupancy_add(unit=unit, person=neighbour, acting_user=None)
    user = user_create(username="t_zhao", password=PASSWORD, person=neighbour, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=neighbour, acting_user=None)
    c = Client()
    c.force_login(user)

    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已疏通", acting_user=worker)
    services.request_rate(
        request=r, score=4, solved=True, comment="王师傅人很好", acting_user=world.users["resident"]
    )
    assert c.post(f"/r/{r.pk}/follow/").status_code == 302
    page = c.get(f"/r/{r.pk}/").content.decode()
    assert "t_resident" not in page and "王建国" not in page and "138****1234" not in page
    assert "王师傅人很好" not in page
    assert "居民" in page and "已疏通" in page  # what the unit did stays visible
    # The reporter still sees their own words, and staff see everything.
    assert "王师傅人很好" in world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "王师傅人很好" in world.client("community_staff").get(f"/r/{r.pk}/").content.decode()
