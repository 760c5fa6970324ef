"""Every page, every role: each role sees its pages and its scope, and is refused elsewhere.

403 for a page that is not for the role; 404 for an object outside the user's
scope (its existence is not revealed); the no-role page for a user without
roles; the login page for an anonymous visitor.
"""

from __future__ import annotations

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD
from redprop.requests import services
from redprop.web.tests.helpers import dispatched, file_via_service, title_of

pytestmark = pytest.mark.django_db

ROLES = [
    "resident",
    "grid_butler",
    "maintenance_worker",
    "company_staff",
    "unit_staff",
    "community_staff",
    "street_officer",
    "housing_bureau",
    "sysadmin",
    "street_b",
    "nobody",
]

# page → the roles that may open it (all others: 403; "nobody": the no-role page).
PAGES = {
    "/my/": {"resident"},
    "/my/data/": {"resident"},
    "/file/": {
        "resident",
        "grid_butler",
        "maintenance_worker",
        "community_staff",
        "street_officer",
        "sysadmin",
        "street_b",
    },
    "/orders/": {"grid_butler", "maintenance_worker", "company_staff", "unit_staff"},
    "/console/": {"community_staff", "street_officer", "sysadmin", "street_b"},
    "/console/queue/": {"community_staff", "street_officer", "sysadmin", "street_b"},
    "/inbox/": set(ROLES) - {"nobody"},
}


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("role", ROLES)
def test_page_by_role(world, path, role):
    resp = world.client(role).get(path)
    if role == "nobody":
        assert resp.status_code == 403
        assert "尚未分配角色" in resp.content.decode()
    elif role in PAGES[path]:
        assert resp.status_code == 200, resp.content[:300]
    else:
        assert resp.status_code == 403
        assert "无权访问此页面" in resp.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        *PAGES,
        "/r/1/",
        "/console/r/1/",
        "/console/r/1/people/",
        "/console/queue/more/",
        "/inbox/read/",
        "/file/similar/",
        "/my/data/download/",
        "/my/data/erase/",
    ],
)
def test_anonymous_goes_to_login(world, path):
    resp = Client().get(path)
    assert resp.status_code in (302, 405)
    if resp.status_code == 302:
        assert resp["Location"].startswith("/accounts/login/")


def test_htmx_call_with_expired_session_redirects_the_page_not_the_fragment(world):
    resp = Client().get(
        "/console/queue/",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/console/"},
    )
    assert resp.status_code == 401
    assert resp["HX-Redirect"].startswith("/accounts/login/?next=/console/")


# Who may open a request filed by the resident in grid 1 of 红星社区 (径河街道), before
# and after it is dispatched to the compound's company.
DETAIL_BEFORE = {
    "resident": 200,
    "grid_butler": 200,
    "maintenance_worker": 200,
    "company_staff": 404,  # not yet its order
    "unit_staff": 404,
    "community_staff": 200,
    "street_officer": 200,
    "housing_bureau": 200,
    "sysadmin": 200,
    "street_b": 404,  # another street
    "nobody": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_request_page_by_role_and_scope(world, role):
    r = file_via_service(world)
    resp = world.client(role).get(f"/r/{r.pk}/")
    assert resp.status_code == DETAIL_BEFORE[role]
    if resp.status_code == 200:
        assert title_of(resp.content).startswith(f"{r.number} 管道疏通")


def test_company_sees_its_order_once_dispatched(world):
    r = dispatched(world)
    assert world.client("company_staff").get(f"/r/{r.pk}/").status_code == 200
    assert world.client("unit_staff").get(f"/r/{r.pk}/").status_code == 404


def test_other_resident_gets_404_for_a_neighbours_request(world):
    r = file_via_service(world)
    user = user_create(
        username="t_res_b", password=PASSWORD, person=world.resident_b, acting_user=None
    )
    role_grant(user=user, role=Role.RESIDENT, person=world.resident_b, acting_user=None)
    c = Client()
    c.force_login(user)
    assert c.get(f"/r/{r.pk}/").status_code == 404
    assert c.get("/my/").status_code == 200
    assert r.number not in c.get("/my/").content.decode()
    # A photo of the request is as private as the request.
    assert c.get(f"/r/{r.pk}/photo/1/").status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("community_staff", 200),
        ("street_officer", 200),
        ("sysadmin", 200),
        ("street_b", 404),
        ("grid_butler", 403),
        ("resident", 403),
        ("nobody", 403),
    ],
)
def test_console_pane_by_role_and_scope(world, role, status):
    r = file_via_service(world)
    resp = world.client(role).get(f"/console/r/{r.pk}/", headers={"HX-Request": "true"})
    assert resp.status_code == status
    assert world.client(role).get(f"/console/?r={r.pk}").status_code == status


DISPATCHER_ROLES = {"community_staff", "street_officer", "sysadmin", "street_b"}


@pytest.mark.parametrize("role", ROLES)
def test_console_people_by_role_and_scope(world, role):
    """The handler picker of a request: its dispatchers only; another street's is 404."""
    r = file_via_service(world)
    resp = world.client(role).get(
        f"/console/r/{r.pk}/people/?dispatch-org={world.company.pk}",
        headers={"HX-Request": "true"},
    )
    expected = {"street_b": 404}.get(role, 200 if role in DISPATCHER_ROLES else 403)
    assert resp.status_code == expected
    body = resp.content.decode()
    offered = f'<option value="{world.users["maintenance_worker"].pk}"' in body
    assert offered == (expected == 200)
    missing = world.client(role).get("/console/r/999999/people/", headers={"HX-Request": "true"})
    assert missing.status_code == (404 if role in DISPATCHER_ROLES else 403)


@pytest.mark.parametrize("role", ROLES)
def test_console_queue_more_by_role_and_scope(world, role):
    """The next page of a tab: dispatchers only, each within their own scope."""
    first = file_via_service(world)
    second = file_via_service(world, description="楼道灯不亮")
    resp = world.client(role).get(
        f"/console/queue/more/?tab=new&after={first.pk}", headers={"HX-Request": "true"}
    )
    if role not in DISPATCHER_ROLES:
        assert resp.status_code == 403
        return
    assert resp.status_code == 200
    shown = second.number in resp.content.decode()
    assert shown == (role != "street_b")  # another street's dispatcher sees none of it


def test_console_queue_shows_only_the_dispatchers_scope(world):
    r = file_via_service(world)
    assert r.number in world.client("community_staff").get("/console/").content.decode()
    assert r.number not in world.client("street_b").get("/console/").content.decode()


def test_orders_show_only_the_workers_own_scope(world):
    """An order assigned to the grid's worker is theirs; an unclaimed one is the unit's."""
    r = dispatched(world)
    assert r.number in world.client("maintenance_worker").get("/orders/").content.decode()
    assert r.number not in world.client("unit_staff").get("/orders/").content.decode()
    water = services.request_dispatch(
        request=file_via_service(world, description="楼下水管爆裂"),
        org=world.water,
        acting_user=world.users["community_staff"],
    )
    assert water.assignee_id is None
    body = world.client("unit_staff").get("/orders/").content.decode()
    assert water.number in body and "待认领" in body
    assert water.number not in world.client("maintenance_worker").get("/orders/").content.decode()


def test_a_resident_cannot_dispatch_and_nothing_changes(world):
    r = file_via_service(world)
    resp = world.client("resident").post(
        f"/r/{r.pk}/do/dispatch/", {"dispatch-org": world.company.pk}
    )
    assert resp.status_code == 403
    r.refresh_from_db()
    assert r.status == "submitted"


def test_a_worker_outside_the_scope_gets_404_for_an_action(world):
    r = file_via_service(world)
    resp = world.client("unit_staff").post(f"/r/{r.pk}/do/accept/", {})
    assert resp.status_code == 404


def test_unknown_action_is_404(world):
    r = file_via_service(world)
    assert world.client("community_staff").post(f"/r/{r.pk}/do/explode/").status_code == 404


def test_actions_need_post(world):
    r = file_via_service(world)
    assert world.client("community_staff").get(f"/r/{r.pk}/do/close/").status_code == 405


@pytest.mark.parametrize(
    ("role", "home"),
    [
        ("resident", "/my/"),
        ("maintenance_worker", "/orders/"),
        ("grid_butler", "/orders/"),
        ("community_staff", "/console/"),
        ("nobody", "/no-role/"),
    ],
)
def test_each_role_lands_on_its_page(world, role, home):
    resp = world.client(role).get("/")
    assert resp.status_code == 302
    assert resp["Location"] == home


def test_nav_shows_each_role_its_pages(world):
    body = world.client("resident").get("/inbox/").content.decode()
    assert "我的诉求" in body and "我要反映" in body
    assert "派单台" not in body and "我的工单" not in body
    body = world.client("community_staff").get("/inbox/").content.decode()
    assert "派单台" in body and "我的诉求" not in body
