"""The whole 三单 loop through the API, as each user would drive it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from redprop.calendars.selectors import calendar_for
from redprop.requests.models import MonthlyStats, RequestEvent, ServiceRequest
from redprop.requests.tests.helpers import file_request, post

pytestmark = pytest.mark.django_db


def kinds(request_id):
    return list(
        RequestEvent.objects.filter(request_id=request_id)
        .order_by("id")
        .values_list("kind", flat=True)
    )


def test_full_loop_file_dup_dispatch_return_redispatch_accept_arrive_resolve_rate_close(world):
    first = file_request(world)
    assert first["status"] == "submitted"
    assert first["reporter"] == "王建国"
    assert first["reporter_mobile"] == "138****1234"

    # Before filing a second report, the resident sees "已有人反映".
    sim = post(
        world,
        "resident",
        "/similar",
        {
            "category": "pipe_dredging",
            "description": "厨房下水道堵了，污水倒灌出来",
            "unit_id": world.unit.pk,
        },
    ).json()
    assert [s["id"] for s in sim["similar"]] == [first["id"]]
    assert sim["similar"][0]["description"] is None  # a neighbour's words are not shown
    assert sim["org_id"] == world.company.pk  # property matter → the compound's company

    rid = first["id"]
    # The dispatcher (community staff) sends it to the water company by mistake…
    resp = post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.water.pk})
    assert resp.status_code == 200, resp.content
    assert resp.json()["respond_due_at"] is not None
    # …which hands it back (退单) with a reason.
    resp = post(world, "unit_staff", f"/{rid}/return", {"reason": "属于物业维修范围"})
    assert resp.json()["status"] == "returned"
    # Re-dispatched to the compound's red property company; the grid's worker gets it.
    resp = post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    body = resp.json()
    assert body["handling_org_id"] == world.company.pk
    assert body["assignee_name"] == str(world.users["maintenance_worker"])
    for step in ("accept", "arrive"):
        assert post(world, "maintenance_worker", f"/{rid}/{step}").status_code == 200
    resp = post(world, "maintenance_worker", f"/{rid}/resolve", {"note": "已疏通下水管道"})
    assert resp.json()["status"] == "resolved"
    resp = post(
        world, "resident", f"/{rid}/rate", {"score": 5, "solved": True, "comment": "来得很快"}
    )
    assert resp.json()["status"] == "rated"
    resp = post(world, "community_staff", f"/{rid}/close", {"note": "回访确认"})
    assert resp.json()["status"] == "closed"

    assert kinds(rid) == [
        "filed",
        "dispatched",
        "returned",
        "dispatched",
        "accepted",
        "arrived",
        "resolved",
        "rated",
        "closed",
    ]
    timeline = world.client("resident").get(f"/api/v1/requests/{rid}").json()["events"]
    assert [e["kind_label"] for e in timeline][:2] == ["提交诉求", "派单"]
    company_cell = MonthlyStats.objects.get(org=world.company)
    assert (company_cell.dispatched, company_cell.responded_on_time, company_cell.resolved) == (
        1,
        1,
        1,
    )
    assert (company_cell.rated, company_cell.very_satisfied, company_cell.solved_confirmed) == (
        1,
        1,
        1,
    )
    water_cell = MonthlyStats.objects.get(org=world.water)
    assert (water_cell.dispatched, water_cell.returned, water_cell.withdrawn) == (1, 1, 1)


def test_complex_path_with_plan(world):
    rid = file_request(
        world, category="seepage", description="顶楼屋面大面积渗漏", severity="complex"
    )["id"]
    post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    r = ServiceRequest.objects.get(pk=rid)
    assert r.plan_due_at is not None and r.resolve_due_at is None
    # 1 working day (docs/adr/0015): the close of the next working day, 17:30.
    plan_calendar = calendar_for(r.sla["calendars"]["plan"])
    assert r.plan_due_at == plan_calendar.working_days_end(r.clock_started_at, 1)
    assert r.plan_due_at.astimezone(ZoneInfo("Asia/Shanghai")).time() == dt.time(17, 30)
    post(world, "maintenance_worker", f"/{rid}/accept")
    post(world, "maintenance_worker", f"/{rid}/arrive")
    resp = post(world, "maintenance_worker", f"/{rid}/require-plan", {"reason": "需更换防水层"})
    assert resp.json()["status"] == "plan_required"
    due = (timezone.now() + dt.timedelta(days=10)).replace(microsecond=0)
    resp = post(
        world,
        "maintenance_worker",
        f"/{rid}/plan",
        {"plan": "使用维修资金更换屋面防水层", "resolve_by": due.isoformat()},
    )
    assert resp.status_code == 200, resp.content
    assert dt.datetime.fromisoformat(resp.json()["resolve_due_at"]) == due
    assert (
        post(world, "maintenance_worker", f"/{rid}/resolve", {"note": "防水层已更换"}).json()[
            "status"
        ]
        == "resolved"
    )


def test_plan_in_the_past_refused(world):
    rid = file_request(world, severity="complex")["id"]
    post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    post(world, "maintenance_worker", f"/{rid}/accept")
    post(world, "maintenance_worker", f"/{rid}/require-plan", {"reason": "复杂"})
    resp = post(
        world,
        "maintenance_worker",
        f"/{rid}/plan",
        {"plan": "更换管道方案", "resolve_by": "2020-01-01T00:00:00+08:00"},
    )
    assert resp.status_code == 400
    assert resp.json()["field"] == "resolve_by"


def test_transition_not_allowed_is_409_and_changes_nothing(world):
    rid = file_request(world)["id"]
    before = ServiceRequest.objects.get(pk=rid).version
    resp = post(world, "community_staff", f"/{rid}/resolve", {"note": "x"})
    assert resp.status_code in (403, 409)
    resp = post(world, "resident", f"/{rid}/rate", {"score": 5, "solved": True})
    assert resp.status_code == 409
    assert resp.json()["code"] == "invalid_transition"
    assert "不能评价" in resp.json()["message"]
    assert ServiceRequest.objects.get(pk=rid).version == before


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        ({"category": "nope"}, "category", "unknown_category"),
        ({"description": "   "}, "description", "description_required"),
        ({"unit_id": 999999}, "unit_id", "place_required"),
        ({"unit_id": None}, "place", "place_required"),
        ({"description": 12}, "description", "validation_error"),
    ],
)
def test_bad_input_is_400_with_field(world, payload, field, code):
    n = ServiceRequest.objects.count()
    base = {"category": "pipe_dredging", "description": "下水道堵塞", "unit_id": world.unit.pk}
    base.update(payload)
    resp = post(world, "resident", "", base)
    assert resp.status_code == 400, resp.content
    assert resp.json()["code"] == code
    assert resp.json()["field"] == field
    assert ServiceRequest.objects.count() == n


def test_resident_cannot_file_for_another_compound(world):
    resp = post(
        world,
        "resident",
        "",
        {"category": "pipe_dredging", "description": "x", "unit_id": world.unit_b.pk},
    )
    # Refused as an id that does not exist: the other compound's unit is not confirmed.
    assert resp.status_code == 400
    assert resp.json()["code"] == "place_required" and resp.json()["field"] == "unit_id"
    assert ServiceRequest.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("resident", 200),
        ("community_staff", 200),
        ("street_officer", 200),
        ("housing_bureau", 200),
        ("grid_butler", 200),
        ("maintenance_worker", 200),
        ("sysadmin", 200),
        ("street_b", 404),
        ("unit_staff", 404),
        ("nobody", 404),
        ("company_staff", 404),
    ],
)
def test_read_is_scoped_for_every_role(world, role, status):
    rid = file_request(world)["id"]
    assert world.client(role).get(f"/api/v1/requests/{rid}").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("community_staff", 200),
        ("street_officer", 200),
        ("sysadmin", 200),
        ("resident", 403),
        ("maintenance_worker", 403),
        ("company_staff", 404),
        ("street_b", 404),
        ("nobody", 404),
    ],
)
def test_dispatch_permission(world, role, status):
    rid = file_request(world)["id"]
    resp = post(world, role, f"/{rid}/dispatch", {"org_id": world.company.pk})
    assert resp.status_code == status


def test_handler_permission(world):
    rid = file_request(world)["id"]
    post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    assert post(world, "unit_staff", f"/{rid}/accept").status_code == 404  # not their order
    assert post(world, "resident", f"/{rid}/accept").status_code == 403
    assert post(world, "company_staff", f"/{rid}/accept").status_code == 200


def test_only_reporter_rates_and_cancel_rules(world):
    rid = file_request(world)["id"]
    # The resident may cancel before acceptance.
    assert (
        post(world, "resident", f"/{rid}/cancel", {"reason": "已自行解决"}).json()["status"]
        == "cancelled"
    )
    rid2 = file_request(world)["id"]
    post(world, "community_staff", f"/{rid2}/dispatch", {"org_id": world.company.pk})
    post(world, "maintenance_worker", f"/{rid2}/accept")
    resp = post(world, "resident", f"/{rid2}/cancel", {"reason": "算了"})
    assert resp.status_code == 409
    # Staff need a reason.
    resp = post(world, "community_staff", f"/{rid2}/escalate", {"reason": ""})
    assert resp.status_code == 400
    assert resp.json()["field"] == "reason"


def test_unsatisfied_reopen_limit(world):
    rid = file_request(world)["id"]
    post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    for round_ in range(3):
        post(world, "maintenance_worker", f"/{rid}/accept")
        post(world, "maintenance_worker", f"/{rid}/resolve", {"note": f"第{round_ + 1}次处理"})
        post(world, "resident", f"/{rid}/rate", {"score": 1, "solved": False})
        resp = post(world, "resident", f"/{rid}/reopen", {"reason": "还是堵"})
        if round_ < 2:
            assert resp.json()["status"] == "reopened"
        else:
            assert resp.status_code == 409
            assert resp.json()["code"] == "reopen_limit"
    r = ServiceRequest.objects.get(pk=rid)
    assert r.reopen_count == 2
    cell = MonthlyStats.objects.get(org=world.company)
    # Only the current rating counts; superseded ones were taken back.
    assert (cell.rated, cell.very_unsatisfied, cell.reopened, cell.resolved) == (1, 1, 2, 1)


def test_merge_me_too(world, relay):
    from redprop.people.services import person_create
    from redprop.territory.services import occupancy_add

    a = file_request(world)["id"]
    b = file_request(world, role="community_staff", channel="window", description="下水道堵塞倒灌")
    neighbour = person_create(name="赵阿姨", mobile="13700001234", acting_user=None)
    occupancy_add(unit=world.unit, person=neighbour, relation="spouse", acting_user=None)
    ServiceRequest.objects.filter(pk=b["id"]).update(reporter=neighbour)
    dup = world.client("community_staff").get(f"/api/v1/requests/{b['id']}/duplicates").json()
    assert [d["id"] for d in dup] == [a]
    resp = post(world, "community_staff", f"/{b['id']}/merge", {"into_id": a})
    relay()
    assert resp.json()["status"] == "merged"
    survivor = ServiceRequest.objects.get(pk=a)
    assert list(survivor.followers.values_list("person_id", flat=True)) == [neighbour.pk]
    assert "merged_in" in kinds(a)


def test_list_filters_and_cursor(world):
    ids = [file_request(world)["id"] for _ in range(5)]
    c = world.client("community_staff")
    page1 = c.get("/api/v1/requests?limit=2").json()
    assert [r["id"] for r in page1["items"]] == ids[::-1][:2]
    page2 = c.get(f"/api/v1/requests?limit=2&cursor={page1['next_cursor']}").json()
    assert [r["id"] for r in page2["items"]] == ids[::-1][2:4]
    assert c.get("/api/v1/requests?status=bogus").status_code == 400
    assert len(c.get("/api/v1/requests?status=submitted&category=repair").json()["items"]) == 5
    assert world.client("street_b").get("/api/v1/requests").json()["items"] == []


def test_idempotency_key_returns_first_result(world):
    payload = {"category": "pipe_dredging", "description": "楼道灯不亮", "unit_id": world.unit.pk}
    r1 = post(world, "resident", "", payload, **{"Idempotency-Key": "abc-1"})
    r2 = post(world, "resident", "", payload, **{"Idempotency-Key": "abc-1"})
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"]
    assert ServiceRequest.objects.count() == 1
    r3 = post(world, "resident", "", payload, **{"Idempotency-Key": "abc-2"})
    assert r3.json()["id"] != r1.json()["id"]


def test_stale_version_is_409(world):
    rid = file_request(world)["id"]
    resp = post(
        world,
        "community_staff",
        f"/{rid}/dispatch",
        {"org_id": world.company.pk},
        **{"If-Match": "99"},
    )
    assert resp.status_code == 409
    assert resp.json()["code"] == "stale_version"


def test_categories_listed(world):
    cats = world.client("resident").get("/api/v1/requests/categories").json()
    names = {c["name"] for c in cats}
    assert {"有偿维修", "公共维修", "管道疏通", "空调滴水", "渗漏", "消防通道/飞线充电"} <= names


def _worker_on(world, username, grid):
    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create

    user = user_create(username=username, password="pw-for-tests-123", acting_user=None)
    role_grant(user=user, role=Role.MAINTENANCE_WORKER, acting_user=None, grid=grid)
    return User.objects.get(pk=user.pk)


def test_dispatch_to_a_named_person_only_within_the_unit(world):
    """The API (not only the console) refuses a handler who is not the unit's person in
    the request's community: 400 on the field, nothing changes."""
    rid = file_request(world)["id"]
    outsider = _worker_on(world, "t_worker_b", world.grid_b)  # another street's grid
    resident = world.users["resident"]
    for user in (outsider, resident):
        resp = post(
            world,
            "community_staff",
            f"/{rid}/dispatch",
            {"org_id": world.company.pk, "assignee_id": user.pk},
        )
        assert resp.status_code == 400, resp.content
        assert (resp.json()["code"], resp.json()["field"]) == ("invalid_assignee", "assignee_id")
        r = ServiceRequest.objects.get(pk=rid)
        assert (r.status, r.assignee_id, r.version) == ("submitted", None, 1)
    colleague = _worker_on(world, "t_worker_2", world.grid_2)  # same community, company's grid
    resp = post(
        world,
        "community_staff",
        f"/{rid}/dispatch",
        {"org_id": world.company.pk, "assignee_id": colleague.pk},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["assignee_name"] == str(colleague)


def test_the_named_person_reads_the_order_through_the_api_while_it_is_theirs(world):
    """A worker named outside their own grid may open the order (they act on it), and
    loses sight of it when it goes to someone else."""
    from django.test import Client

    rid = file_request(world, unit_id=world.unit.pk)["id"]
    colleague = _worker_on(world, "t_worker_2", world.grid_2)
    client = Client()
    client.force_login(colleague)
    assert client.get(f"/api/v1/requests/{rid}").status_code == 404
    resp = post(
        world,
        "community_staff",
        f"/{rid}/dispatch",
        {"org_id": world.company.pk, "assignee_id": colleague.pk},
    )
    assert resp.status_code == 200, resp.content
    got = client.get(f"/api/v1/requests/{rid}")
    assert got.status_code == 200 and got.json()["id"] == rid
    r = ServiceRequest.objects.get(pk=rid)
    post(
        world,
        "community_staff",
        f"/{rid}/dispatch",
        {
            "org_id": world.company.pk,
            "assignee_id": world.users["maintenance_worker"].pk,
            "expected_version": r.version,
        },
    )
    assert client.get(f"/api/v1/requests/{rid}").status_code == 404
