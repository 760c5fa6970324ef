"""Relationships to a request (issue #10, holes 1–3): reporter, follower, handler, staff.

Each test here is the regression test of one hole, through the API and the pages:
a follower is not the reporter, staff never rate, a follower sees only what the
public would, and another company's worker cannot touch an order.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD
from redprop.orgs.services import org_add_member
from redprop.people.services import person_create
from redprop.requests import services
from redprop.requests.models import Category, Rating, RequestEvent, ServiceRequest
from redprop.requests.tests.helpers import post
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db


def neighbour(world: Any, username: str, name: str, *, roles: dict[str, dict] | None = None):
    """A resident of the same compound (another building), with a login and extra roles."""
    person = person_create(name=name, mobile="13700002222", acting_user=None)
    unit = territory.unit_create(
        building=world.building_2,
        label=f"2栋{username[-3:]}",
        floor_area="80",
        owners=[person],
        acting_user=None,
    )
    territory.occupancy_add(unit=unit, person=person, acting_user=None)
    user = user_create(username=username, password=PASSWORD, person=person, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
    for role, anchor in (roles or {}).items():
        role_grant(user=user, role=role, acting_user=None, **anchor)
    world.users[username] = user
    return user


def client_of(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def api(user: Any, path: str, payload: dict | None = None) -> Any:
    return client_of(user).post(
        f"/api/v1/requests{path}", payload or {}, content_type="application/json"
    )


def filed(world: Any, description: str = "厨房下水道堵塞，污水倒灌") -> ServiceRequest:
    return services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description=description,
        unit=world.unit,
        location_text="厨房水槽下",
    )


def resolved(world: Any) -> ServiceRequest:
    r = filed(world)
    staff, worker = world.users["community_staff"], world.users["maintenance_worker"]
    services.request_dispatch(request=r, org=world.company, acting_user=staff, note="家中有老人")
    services.request_accept(request=r, acting_user=worker)
    return services.request_resolve(request=r, note="已疏通", acting_user=worker)


# --- hole 1: following makes nobody the reporter ------------------------------------------


def test_a_follower_cannot_cancel_a_neighbours_request_api_or_page(world):
    r = filed(world)
    follower = neighbour(world, "t_follow1", "赵小红")
    assert api(follower, f"/{r.pk}/follow").status_code == 200
    resp = api(follower, f"/{r.pk}/cancel", {"reason": "不想要了"})
    assert resp.status_code == 403, resp.content
    resp = client_of(follower).post(f"/r/{r.pk}/do/cancel/", {"cancel-reason": "x"})
    assert resp.status_code == 403
    r.refresh_from_db()
    assert r.status == "submitted"
    # The page offers the follower no step at all.
    body = client_of(follower).get(f"/r/{r.pk}/").content.decode()
    assert "/do/" not in body


def test_a_follower_cannot_rate_or_reopen(world):
    r = filed(world)
    follower = neighbour(world, "t_follow2", "赵小红")
    services.request_follow(request=r, acting_user=follower)
    staff, worker = world.users["community_staff"], world.users["maintenance_worker"]
    services.request_dispatch(request=r, org=world.company, acting_user=staff)
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已疏通", acting_user=worker)
    resp = api(follower, f"/{r.pk}/rate", {"score": 1, "solved": False})
    assert resp.status_code == 403, resp.content
    resp = client_of(follower).post(f"/r/{r.pk}/do/rate/", {"rate-score": "1", "rate-solved": "no"})
    assert resp.status_code == 403
    assert api(follower, f"/{r.pk}/reopen", {"reason": "又堵了"}).status_code == 403
    resp = client_of(follower).post(f"/r/{r.pk}/do/reopen/", {"reopen-reason": "又堵了"})
    assert resp.status_code == 403
    r.refresh_from_db()
    assert (r.status, r.rating) == ("resolved", None)
    assert not Rating.objects.filter(request=r).exists()
    # The reporter still can.
    resp = api(world.users["resident"], f"/{r.pk}/rate", {"score": 5, "solved": True})
    assert resp.status_code == 200


def test_staff_who_follow_never_rate(world):
    """A street officer and a community staffer who live in the compound follow a
    request of their own area: they hear about it, and still cannot rate it."""
    r = filed(world)
    officer = neighbour(
        world, "t_officer", "钱主任", roles={Role.STREET_OFFICER: {"region": world.street}}
    )
    clerk = neighbour(
        world, "t_clerk", "孙干事", roles={Role.COMMUNITY_STAFF: {"region": world.community}}
    )
    for user in (officer, clerk):
        services.request_follow(request=r, acting_user=user)
    staff, worker = world.users["community_staff"], world.users["maintenance_worker"]
    services.request_dispatch(request=r, org=world.company, acting_user=staff)
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已疏通", acting_user=worker)
    for user in (officer, clerk):
        resp = api(user, f"/{r.pk}/rate", {"score": 5, "solved": True})
        assert resp.status_code == 403, resp.content
        resp = client_of(user).post(
            f"/r/{r.pk}/do/rate/", {"rate-score": "5", "rate-solved": "yes"}
        )
        assert resp.status_code == 403
    r.refresh_from_db()
    assert r.rating is None and r.status == "resolved"


def test_staff_never_rate_even_their_own_request(world):
    """A community staffer who is also the reporter (their own flat) may not rate a
    request their community is judged by; a revisit records the answer instead."""
    clerk = neighbour(
        world, "t_clerk2", "孙干事", roles={Role.COMMUNITY_STAFF: {"region": world.community}}
    )
    unit = territory.unit_create(
        building=world.building,
        label="1栋9单元909",
        floor_area="60",
        owners=[clerk.person],
        acting_user=None,
    )
    territory.occupancy_add(unit=unit, person=clerk.person, acting_user=None)
    r = services.request_file(
        acting_user=clerk,
        category=Category.objects.get(code="pipe_dredging"),
        description="自家下水道堵塞",
        unit=unit,
        reporter=clerk.person,
    )
    worker = world.users["maintenance_worker"]
    services.request_dispatch(request=r, org=world.company, acting_user=clerk)
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已疏通", acting_user=worker)
    assert api(clerk, f"/{r.pk}/rate", {"score": 5, "solved": True}).status_code == 403
    r.refresh_from_db()
    assert r.rating is None


def test_only_residents_of_the_compound_follow(world):
    """Following is a resident's "me too": staff of the area without a home there, and
    residents of another compound, cannot follow (404, as if it did not exist)."""
    r = filed(world)
    for role in ("community_staff", "street_officer", "grid_butler"):
        assert post(world, role, f"/{r.pk}/follow").status_code == 404
    stranger = user_create(
        username="t_b_res", password=PASSWORD, person=world.resident_b, acting_user=None
    )
    role_grant(user=stranger, role=Role.RESIDENT, person=world.resident_b, acting_user=None)
    assert api(stranger, f"/{r.pk}/follow").status_code == 404
    assert not r.followers.exists()


# --- hole 2: what a follower sees ---------------------------------------------------------


def _leaks(text: str, world: Any, r: ServiceRequest) -> list[str]:
    """The neighbour's identity and words found in ``text``."""
    probes = {
        "description": "污水倒灌",
        # The unit's label, not a bare "101": that is in any timestamp's microseconds or
        # an id by chance (the SQLite lane failed on one once).
        "flat": "1单元101",
        "location": "厨房水槽下",
        "name": "王建国",
        "masked name": "王*国",
        "mobile": "138****1234",
        "reporter username": world.users["resident"].username,
        "worker username": world.users["maintenance_worker"].username,
        "staff username": world.users["community_staff"].username,
        "reopen reason": "家里又堵了",
        "dispatch note": "家中有老人",
    }
    return [k for k, v in probes.items() if v in text]


def test_a_follower_sees_what_the_public_would_api(world):
    r = resolved(world)
    services.request_reopen(request=r, reason="家里又堵了", acting_user=world.users["resident"])
    follower = neighbour(world, "t_follow3", "赵小红")
    services.request_follow(request=r, acting_user=follower)
    resp = client_of(follower).get(f"/api/v1/requests/{r.pk}")
    assert resp.status_code == 200
    body = resp.json()
    assert _leaks(resp.content.decode("unicode_escape"), world, r) == []
    assert body["description"] is None and body["location_text"] is None
    assert body["reporter"] is None and body["reporter_mobile"] is None
    assert body["photos"] == []
    # What the public would see: category, status, compound, deadlines, the steps.
    assert body["category_name"] == "管道疏通"
    assert body["status"] == "reopened"
    assert body["compound_name"] == "幸福小区"
    assert body["resolve_due_at"] is not None
    assert [e["kind"] for e in body["events"]][:3] == ["filed", "dispatched", "accepted"]
    # The unit's result is progress meant for the public.
    assert "已疏通" in [e["note"] for e in body["events"]]
    # The list shows the followed request the same way.
    listed = client_of(follower).get("/api/v1/requests").json()["items"]
    assert [x["id"] for x in listed] == [r.pk]
    assert listed[0]["description"] is None and listed[0]["assignee_name"] is None


def test_a_follower_sees_what_the_public_would_pages(world):
    r = resolved(world)
    follower = neighbour(world, "t_follow4", "赵小红")
    services.request_follow(request=r, acting_user=follower)
    c = client_of(follower)
    page = c.get(f"/r/{r.pk}/").content.decode()
    assert _leaks(page, world, r) == []
    assert "管道疏通" in page and "幸福小区" in page
    mine = c.get("/my/").content.decode()
    assert r.number in mine and "污水倒灌" not in mine and "待您评价" not in mine


def test_a_request_filed_on_behalf_shows_no_name_to_followers(world):
    """Staff file at the window for a resident: the reporter's name reaches staff (as
    before) but never a follower."""
    r = services.request_file(
        acting_user=world.users["community_staff"],
        category=Category.objects.get(code="pipe_dredging"),
        description="代居民反映：下水道堵塞",
        channel="window",
        unit=world.unit,
        reporter=world.resident,
    )
    follower = neighbour(world, "t_follow5", "赵小红")
    services.request_follow(request=r, acting_user=follower)
    text = client_of(follower).get(f"/api/v1/requests/{r.pk}").content.decode("unicode_escape")
    assert "王建国" not in text
    staff = world.client("community_staff").get(f"/api/v1/requests/{r.pk}").json()
    assert staff["reporter"] == "王建国"


def test_the_reporter_never_sees_a_followers_name_or_login(world):
    r = filed(world)
    follower = neighbour(world, "t_follow6", "赵小红")
    services.request_follow(request=r, acting_user=follower)
    text = world.client("resident").get(f"/api/v1/requests/{r.pk}").content.decode("unicode_escape")
    assert "t_follow6" not in text and "赵小红" not in text
    page = world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "t_follow6" not in page and "赵小红" not in page


def test_a_follower_cannot_open_the_photos(world):
    from redprop.web.tests.helpers import jpeg

    r = services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description="厨房下水道堵塞",
        unit=world.unit,
        photos=[jpeg()],
    )
    photo = r.new_photos[0]
    follower = neighbour(world, "t_follow7", "赵小红")
    services.request_follow(request=r, acting_user=follower)
    assert client_of(follower).get(f"/r/{r.pk}/photo/{photo.pk}/").status_code == 404
    assert world.client("resident").get(f"/r/{r.pk}/photo/{photo.pk}/").status_code == 200


# --- hole 3: another company's worker ----------------------------------------------------


def b_also_serves_the_community(world: Any) -> None:
    """Company B serves a compound of community A too, so the dispatcher may send it a
    request of community A (``policies.dispatch_units``: only units serving the place)."""
    territory.compound_create(
        community=world.community,
        name="锦源小区",
        management_type="commercial",
        company=world.company_b,
        acting_user=None,
    )


def test_a_grid_worker_cannot_take_another_companys_order(world):
    """The request's grid has company A's worker; the order goes to company B."""
    b_also_serves_the_community(world)
    r = filed(world)
    services.request_dispatch(
        request=r, org=world.company_b, acting_user=world.users["community_staff"]
    )
    r.refresh_from_db()
    assert r.assignee_id != world.users["maintenance_worker"].pk
    for role in ("maintenance_worker", "grid_butler"):
        assert post(world, role, f"/{r.pk}/accept").status_code == 403
        resp = world.client(role).post(f"/r/{r.pk}/do/accept/", {})
        assert resp.status_code == 403
    r.refresh_from_db()
    assert r.status == "dispatched"
    assert not RequestEvent.objects.filter(request=r, kind="accepted").exists()


def test_a_worker_employed_by_another_company_cannot_resolve_in_their_grid(world):
    """A maintenance worker on the same grid, employed by company B, is refused on
    company A's order; A's own worker is not."""
    rival = neighbour(
        world, "t_rival", "周师傅", roles={Role.MAINTENANCE_WORKER: {"grid": world.grid}}
    )
    org_add_member(org=world.company_b, person=rival.person, acting_user=None)
    r = filed(world)
    services.request_dispatch(
        request=r, org=world.company, acting_user=world.users["community_staff"]
    )
    for path, payload in (("/accept", {}), ("/resolve", {"note": "已疏通"})):
        resp = api(rival, f"/{r.pk}{path}", payload)
        assert resp.status_code == 403, resp.content
    resp = client_of(rival).post(f"/r/{r.pk}/do/resolve/", {"resolve-note": "已疏通"})
    assert resp.status_code == 403
    r.refresh_from_db()
    assert r.status == "dispatched"
    assert post(world, "maintenance_worker", f"/{r.pk}/accept").status_code == 200


def test_the_named_handler_may_act_wherever_they_work(world):
    """Whom the dispatcher names (指定处理人) may act even on another company's order."""
    r = filed(world)
    services.request_dispatch(
        request=r,
        org=world.company,
        assignee=world.users["maintenance_worker"],
        acting_user=world.users["community_staff"],
    )
    assert post(world, "maintenance_worker", f"/{r.pk}/accept").status_code == 200


def test_another_companys_worker_is_neither_offered_nor_assigned(world):
    """The dispatcher's list of people and the assignment policy follow the same rule
    as ``is_handler``: a worker on the grid employed by company B is not company A's."""
    from redprop.requests import policies

    rival = neighbour(
        world, "t_rival2", "吴师傅", roles={Role.MAINTENANCE_WORKER: {"grid": world.grid}}
    )
    org_add_member(org=world.company_b, person=rival.person, acting_user=None)
    b_also_serves_the_community(world)
    r = filed(world)
    offered = set(
        policies.eligible_assignees(request=r, org=world.company).values_list("user_id", flat=True)
    )
    assert world.users["maintenance_worker"].pk in offered and rival.pk not in offered
    assert rival.pk in set(
        policies.eligible_assignees(request=r, org=world.company_b).values_list(
            "user_id", flat=True
        )
    )
    # Company B's order in this grid goes to B's own worker, not the grid's (A's).
    r = services.request_dispatch(
        request=r, org=world.company_b, acting_user=world.users["community_staff"]
    )
    assert r.assignee_id == rival.pk
    assert post(world, "maintenance_worker", f"/{r.pk}/accept").status_code == 403
    assert api(rival, f"/{r.pk}/accept").status_code == 200
