"""派单 to a named person (指定处理人): the picker follows the chosen unit, the server
accepts only an active person of that unit in the request's community, and the
timeline says who was named."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, role_revoke, user_create
from redprop.conftest import PASSWORD
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org
from redprop.orgs.services import org_add_member
from redprop.people.services import person_create
from redprop.requests import services
from redprop.requests.models import RequestEvent, ServiceRequest
from redprop.territory import services as territory
from redprop.web.tests.helpers import dispatched, field_error, file_via_service

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def pane(world, r, role="community_staff"):
    resp = world.client(role).get(f"/console/r/{r.pk}/?tab=new", headers=HX)
    assert resp.status_code == 200
    return resp.content.decode()


def options(body, select_id="id_dispatch-assignee"):
    """(value, label) of each option of the handler picker."""
    m = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', body, re.S)
    assert m, f"no {select_id} in the page"
    return re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', m.group(1), re.S)


def dispatch(world, r, role="community_staff", **fields):
    r.refresh_from_db()
    data = {"dispatch-version": r.version, "next": "console", "tab": "new"}
    data.update({f"dispatch-{k}": v for k, v in fields.items()})
    return world.client(role).post(f"/r/{r.pk}/do/dispatch/", data)


def staff_user(username, role, **anchor):
    user = user_create(username=username, password=PASSWORD, acting_user=None)
    role_grant(user=user, role=role, acting_user=None, **anchor)
    return User.objects.get(pk=user.pk)


def test_the_picker_lists_the_companys_grid_staff_with_the_grids_worker_first(world):
    worker, butler = world.users["maintenance_worker"], world.users["grid_butler"]
    # A second worker on grid 2 (also the company's compound), busy with two orders.
    other = staff_user("t_worker_2", Role.MAINTENANCE_WORKER, grid=world.grid_2)
    for i in range(2):
        services.request_dispatch(
            request=file_via_service(world, description=f"楼道堵塞{i}"),
            org=world.company,
            assignee=other,
            acting_user=world.users["community_staff"],
        )
    r = file_via_service(world)
    opts = options(pane(world, r))
    assert opts[0] == ("", "不指定（按派单规则分配）")
    values = [int(v) for v, _label in opts[1:]]
    assert values[0] == worker.pk  # the grid's own maintenance worker, suggested
    assert set(values) == {worker.pk, butler.pk, other.pk}
    labels = dict(opts)
    assert labels[str(worker.pk)] == f"{worker}（建议） · 维修人员 · 第一网格 · 在办 0 单"
    assert labels[str(other.pk)] == f"{other} · 维修人员 · 第二网格 · 在办 2 单"
    assert "物业管家" in labels[str(butler.pk)] and "建议" not in labels[str(butler.pk)]
    # Other units' people and users without a role here are not offered.
    assert str(world.users["unit_staff"].pk) not in labels
    assert str(world.users["company_staff"].pk) not in labels


def test_dispatch_to_a_named_worker_sets_the_assignee_and_the_timeline_says_so(world):
    r = file_via_service(world)
    butler = world.users["grid_butler"]
    resp = dispatch(world, r, org=world.company.pk, assignee=butler.pk, note="管家先去看看")
    assert resp.status_code == 302, resp.content.decode()[:600]
    r.refresh_from_db()
    assert r.status == "dispatched" and r.assignee_id == butler.pk  # not the policy's worker
    event = RequestEvent.objects.get(request=r, kind="dispatched")
    assert event.data["assignee"] == butler.pk and event.actor == world.users["community_staff"]
    page = world.client("community_staff").get(f"/r/{r.pk}/").content.decode()
    assert f"派至 {world.company.name} · 处理人 {butler}" in page
    # The named person sees it among their orders.
    assert r.number in world.client("grid_butler").get("/orders/").content.decode()


def test_leaving_the_person_empty_lets_the_routing_policy_pick(world):
    r = file_via_service(world)
    resp = dispatch(world, r, org=world.company.pk, assignee="")
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.assignee_id == world.users["maintenance_worker"].pk  # the grid's worker


def test_a_unit_lists_its_own_staff_and_dispatches_to_one(world):
    r = file_via_service(world, description="楼下水管爆裂")
    staff = world.client("community_staff")
    frag = staff.get(f"/console/r/{r.pk}/people/?dispatch-org={world.water.pk}", headers=HX)
    assert frag.status_code == 200
    body = frag.content.decode()
    assert body.lstrip().startswith('<div class="field" id="id_dispatch-assignee-field">')
    opts = dict(options(body))
    unit_staff = world.users["unit_staff"]
    assert set(opts) == {"", str(unit_staff.pk)}
    assert opts[str(unit_staff.pk)] == f"{unit_staff} · 辖区单位工作人员 · 在办 0 单"
    resp = dispatch(world, r, org=world.water.pk, assignee=unit_staff.pk)
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.handling_org_id == world.water.pk and r.assignee_id == unit_staff.pk


def test_the_residents_committee_lists_the_community_staff(world):
    r = file_via_service(world)
    rc = Org.objects.get(kind=OrgKind.RESIDENTS_COMMITTEE, community_id=world.community.pk)
    body = (
        world.client("community_staff")
        .get(f"/console/r/{r.pk}/people/?dispatch-org={rc.pk}", headers=HX)
        .content.decode()
    )
    assert set(dict(options(body))) == {"", str(world.users["community_staff"].pk)}


def test_the_picker_asks_for_a_unit_first(world):
    r = file_via_service(world)
    body = (
        world.client("community_staff")
        .get(f"/console/r/{r.pk}/people/?dispatch-org=", headers=HX)
        .content.decode()
    )
    assert options(body) == [("", "不指定（按派单规则分配）")]
    assert "请先选择承办单位" in body
    # A unit the request may not be sent to lists nobody.
    body = (
        world.client("community_staff")
        .get(f"/console/r/{r.pk}/people/?dispatch-org={world.company_b.pk}", headers=HX)
        .content.decode()
    )
    assert options(body) == [("", "不指定（按派单规则分配）")]


def test_the_unit_select_asks_for_the_picker_on_change(world):
    r = file_via_service(world)
    body = pane(world, r)
    select = re.search(r'<select name="dispatch-org"[^>]*>', body).group(0)
    assert f'hx-get="/console/r/{r.pk}/people/"' in select
    assert 'hx-trigger="change"' in select
    assert 'hx-target="#id_dispatch-assignee-field"' in select


def refused(world, r, resp, message="该人员不属于所选承办单位或已停用，请重新选择"):
    """A 4xx with the error next to the picker, and the request untouched."""
    assert resp.status_code == 400
    assert field_error(resp.content, "id_dispatch-assignee") == message
    before = r.version
    r.refresh_from_db()
    assert r.version == before and r.status == "submitted" and r.assignee_id is None
    assert not RequestEvent.objects.filter(request=r, kind="dispatched").exists()


def test_a_person_of_another_unit_is_refused_and_nothing_changes(world):
    r = file_via_service(world)
    # The grid's worker is the company's, not the water company's.
    resp = dispatch(world, r, org=world.water.pk, assignee=world.users["maintenance_worker"].pk)
    refused(world, r, resp)
    # Without JavaScript the page comes back with the water company's people to pick from.
    assert dict(options(resp.content.decode())).keys() == {"", str(world.users["unit_staff"].pk)}
    assert f'value="{world.water.pk}" selected' in resp.content.decode()
    # The water company's staff are not the property company's people either.
    resp = dispatch(world, r, org=world.company.pk, assignee=world.users["unit_staff"].pk)
    refused(world, r, resp)


def test_a_worker_of_the_same_company_in_another_community_is_refused(world):
    community_c = territory.region_create(
        level="community", name="光明社区", code="T1-1-1-3", parent=world.street, acting_user=None
    )
    grid_c = territory.grid_create(
        community=community_c, name="光明一网格", code="GC1", acting_user=None
    )
    compound_c = territory.compound_create(
        community=community_c,
        name="光明小区",
        management_type="red",
        company=world.company,
        acting_user=None,
    )
    territory.building_create(compound=compound_c, name="1栋", grid=grid_c, acting_user=None)
    person = person_create(name="赵师傅", mobile="13900002222", acting_user=None)
    elsewhere = staff_user("t_worker_c", Role.MAINTENANCE_WORKER, grid=grid_c)
    User.objects.filter(pk=elsewhere.pk).update(person=person)
    org_add_member(org=world.company, person=person, position="维修人员", acting_user=None)
    r = file_via_service(world)
    assert str(elsewhere.pk) not in dict(options(pane(world, r)))
    refused(world, r, dispatch(world, r, org=world.company.pk, assignee=elsewhere.pk))
    # In their own community they are offered.
    there = services.request_file(
        acting_user=world.users["sysadmin"],
        category=r.category,
        description="光明小区下水道堵塞",
        compound=compound_c,
    )
    assert str(elsewhere.pk) in dict(options(pane(world, there, role="sysadmin")))


def test_a_company_employee_on_a_grid_of_the_community_is_offered(world):
    """Employment (a current OrgMembership) counts even on a grid without the company's
    buildings; without it such a worker is not the company's."""
    grid_3 = territory.grid_create(
        community=world.community, name="第三网格", code="G3", acting_user=None
    )
    person = person_create(name="钱师傅", mobile="13900003333", acting_user=None)
    worker = staff_user("t_worker_3", Role.MAINTENANCE_WORKER, grid=grid_3)
    r = file_via_service(world)
    assert str(worker.pk) not in dict(options(pane(world, r)))
    User.objects.filter(pk=worker.pk).update(person=person)
    org_add_member(org=world.company, person=person, position="维修人员", acting_user=None)
    assert str(worker.pk) in dict(options(pane(world, r)))


def test_an_inactive_or_revoked_worker_is_refused(world):
    r = file_via_service(world)
    butler = world.users["grid_butler"]
    User.objects.filter(pk=butler.pk).update(is_active=False)
    assert str(butler.pk) not in dict(options(pane(world, r)))
    refused(world, r, dispatch(world, r, org=world.company.pk, assignee=butler.pk))

    worker = world.users["maintenance_worker"]
    role_revoke(assignment=worker.roles.get(), acting_user=None)
    refused(world, r, dispatch(world, r, org=world.company.pk, assignee=worker.pk))


def test_a_person_without_a_unit_or_not_a_number_is_refused(world):
    r = file_via_service(world)
    resp = dispatch(world, r, org="", assignee=world.users["maintenance_worker"].pk)
    assert resp.status_code == 400
    assert field_error(resp.content, "id_dispatch-org") == "请选择承办单位"
    assert field_error(resp.content, "id_dispatch-assignee") == "请先选择承办单位，再指定处理人"
    refused(
        world, r, dispatch(world, r, org=world.company.pk, assignee="abc"), "请从名单中选择处理人"
    )
    refused(world, r, dispatch(world, r, org=world.company.pk, assignee=999999))


def test_redispatching_a_returned_request_offers_the_same_choice(world):
    r = dispatched(world)
    services.request_return(
        request=r, reason="不归维修，应由管家协调", acting_user=world.users["maintenance_worker"]
    )
    body = (
        world.client("community_staff")
        .get(f"/console/r/{r.pk}/?tab=returned", headers=HX)
        .content.decode()
    )
    assert str(world.users["grid_butler"].pk) in dict(options(body))
    resp = dispatch(world, r, org=world.company.pk, assignee=world.users["grid_butler"].pk)
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == "dispatched" and r.assignee_id == world.users["grid_butler"].pk
    assert ServiceRequest.objects.get(pk=r.pk).handling_org_id == world.company.pk
    # The request page of a dispatcher offers the picker too (outside the console).
    r2 = dispatched(world, description="楼顶漏水")
    services.request_return(
        request=r2, reason="需要防水公司", acting_user=world.users["grid_butler"]
    )
    page = world.client("community_staff").get(f"/r/{r2.pk}/").content.decode()
    assert str(world.users["grid_butler"].pk) in dict(options(page))


def test_a_worker_named_outside_their_grid_opens_and_handles_the_order(world):
    """李师傅 works grid 2; named for a grid-1 request he sees it, takes it and solves it,
    and loses sight of it once it is no longer his."""
    li = staff_user("t_worker_li", Role.MAINTENANCE_WORKER, grid=world.grid_2)
    r = file_via_service(world)
    assert dispatch(world, r, org=world.company.pk, assignee=li.pk).status_code == 302
    phone = Client()
    phone.force_login(li)
    assert r.number in phone.get("/orders/").content.decode()
    page = phone.get(f"/r/{r.pk}/")
    assert page.status_code == 200 and "/do/accept/" in page.content.decode()
    r.refresh_from_db()
    resp = phone.post(f"/r/{r.pk}/do/accept/", {"accept-version": r.version})
    assert resp.status_code == 302 and resp["Location"] == f"/r/{r.pk}/"
    r.refresh_from_db()
    assert r.status == "accepted" and r.assignee_id == li.pk
    resp = phone.post(
        f"/r/{r.pk}/do/return/", {"return-version": r.version, "return-reason": "不是我负责的楼"}
    )
    assert resp.status_code == 302 and resp["Location"] == "/"  # not a 404 page
    assert phone.get(f"/r/{r.pk}/").status_code == 404  # no longer his
    # Another grid's worker who was not named never sees it.
    other = file_via_service(world, description="二单元楼道灯坏了")
    assert phone.get(f"/r/{other.pk}/").status_code == 404
