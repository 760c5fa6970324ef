"""The roster's admin pages: who may see and edit them, forms that refuse what the
services refuse (with the message next to the field, nothing written), and the day
view by company."""

from __future__ import annotations

import pytest

from redprop.accounts.choices import Role
from redprop.core.models import AuditEvent, AuditLog
from redprop.duty.choices import ShiftKind
from redprop.duty.models import Shift
from redprop.duty.tests.helpers import shift, worker

pytestmark = pytest.mark.django_db

LIST = "/admin/duty/shift/"
ADD = "/admin/duty/shift/add/"
DAY = "/admin/duty/shift/day/"


@pytest.fixture
def roster(world):
    lee = worker(world, "lee", grid=world.grid)
    ned = worker(world, "ned")
    day = shift(world, lee, world.grid, "08:00", "20:00")
    night = shift(world, ned, world.street, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    return {"lee": lee, "ned": ned, "day": day, "night": night}


def form(world, user, **over):
    data = {
        "org": world.company.pk,
        "user": user.pk,
        "duty": "maintenance",
        "kind": "regular",
        "place": f"grid:{world.grid_2.pk}",
        "starts_at": "08:00",
        "ends_at": "20:00",
        "weekday_set": ["0", "1", "2", "3", "4"],
        "day_rule": "all",
        "every_weeks": "1",
        "effective_from": "2026-01-05",
        "effective_to": "",
        "note": "",
    }
    data.update(over)
    return data


@pytest.mark.parametrize(
    "role", [Role.COMPANY_STAFF, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN]
)
def test_desk_roles_see_the_list_and_the_day_view(world, roster, role):
    client = world.client(role)
    assert client.get(LIST).status_code == 200
    assert client.get(DAY + "?date=2026-01-06").status_code == 200


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.COMPANY_STAFF, {"lee", "ned"}),
        (Role.COMMUNITY_STAFF, {"lee"}),  # the street on-call is above the community
        (Role.STREET_OFFICER, {"lee", "ned"}),
        (Role.HOUSING_BUREAU, {"lee", "ned"}),
        ("street_b", set()),
    ],
)
def test_the_day_view_shows_only_the_scope(world, roster, role, visible):
    body = world.client(role).get(DAY + "?date=2026-01-06").content.decode()
    for name in ("lee", "ned"):
        assert (f">{name}</a>" in body) == (name in visible), name


@pytest.mark.parametrize(
    "role", [Role.RESIDENT, Role.MAINTENANCE_WORKER, Role.GRID_BUTLER, "nobody"]
)
def test_non_desk_users_are_kept_out(world, roster, role):
    for url in (LIST, DAY, ADD):
        response = world.client(role).get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize("role", [Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU])
def test_only_the_company_desk_and_sysadmin_may_add_or_change(world, roster, role):
    client = world.client(role)
    assert client.get(ADD).status_code == 403
    assert client.post(ADD, form(world, roster["lee"])).status_code == 403
    change = f"/admin/duty/shift/{roster['day'].pk}/change/"
    assert client.post(change, form(world, roster["lee"], ends_at="18:00")).status_code == 403
    assert (
        client.post(f"/admin/duty/shift/{roster['day'].pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Shift.objects.count() == 2


def test_the_company_desk_adds_a_shift_through_the_service(world, roster):
    amy = worker(world, "amy", grid=world.grid_2)
    client = world.client(Role.COMPANY_STAFF)
    page = client.get(ADD).content.decode()
    assert "amy" in page and "第二网格" in page
    response = client.post(ADD, form(world, amy))
    assert response.status_code == 302, response.content.decode()[:3000]
    s = Shift.objects.get(user=amy)
    assert (s.grid_id, s.weekdays, s.kind) == (world.grid_2.pk, 0b0011111, "regular")
    log = AuditLog.objects.get(event_type=AuditEvent.SHIFT_CREATED, target_id=str(s.pk))
    assert log.actor == world.users[Role.COMPANY_STAFF]
    assert not AuditLog.objects.filter(event_type=AuditEvent.ADMIN_CHANGE).exists()


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"ends_at": "08:00"}, "ends_at", "下班时间不能与上班时间相同"),
        ({"weekday_set": []}, "weekday_set", "这个字段是必填项"),
        ({"place": "region:0"}, "place", "不在可用的选项中"),
        ({"kind": "on_call"}, "place", "夜间值班须排在社区或街道"),
        ({"place": f"region:{0}x"}, "place", "不在可用的选项中"),
        ({"place": ""}, "place", "这个字段是必填项"),
        ({"effective_to": "2026-01-01"}, "effective_to", "截止日期不能早于生效日期"),
    ],
)
def test_bad_input_is_a_form_error_and_nothing_is_written(world, roster, over, field, message):
    amy = worker(world, "amy")
    response = world.client(Role.COMPANY_STAFF).post(ADD, form(world, amy, **over))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors
    assert not Shift.objects.filter(user=amy).exists()


def test_an_overlap_is_reported_next_to_the_start(world, roster):
    data = form(world, roster["lee"], place=f"grid:{world.grid.pk}", starts_at="19:00",
                ends_at="23:00")  # fmt: skip
    response = world.client(Role.COMPANY_STAFF).post(ADD, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "重叠" in errors["starts_at"][0]


def test_a_worker_of_another_company_is_not_offered_and_is_refused(world, roster):
    outsider = worker(world, "outsider", org=world.company_b)
    client = world.client(Role.COMPANY_STAFF)
    assert "outsider" not in client.get(ADD).content.decode()
    response = client.post(ADD, form(world, outsider))
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors


def test_change_and_delete_go_through_the_services(world, roster):
    client = world.client(Role.COMPANY_STAFF)
    s = roster["day"]
    change = f"/admin/duty/shift/{s.pk}/change/"
    assert client.get(change).status_code == 200
    data = form(world, roster["lee"], place=f"region:{world.community.pk}", ends_at="18:00")
    response = client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    s.refresh_from_db()
    assert (s.grid_id, s.community_id, s.ends_at.hour) == (None, world.community.pk, 18)
    assert client.post(f"/admin/duty/shift/{s.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Shift.objects.filter(pk=s.pk).exists()
    kinds = set(
        AuditLog.objects.filter(target_type="duty.shift").values_list("event_type", flat=True)
    )
    assert {AuditEvent.SHIFT_CHANGED, AuditEvent.SHIFT_DELETED} <= kinds


def test_another_companys_desk_cannot_open_the_shift(world, roster):
    from django.test import Client

    from redprop.accounts.services import role_grant, user_create

    other = user_create(username="b_desk", password=None, acting_user=None)
    role_grant(user=other, role=Role.COMPANY_STAFF, org=world.company_b, acting_user=None)
    c = Client()
    c.force_login(other)
    response = c.get(f"/admin/duty/shift/{roster['day'].pk}/change/")
    assert response.status_code in (302, 404)  # not in its queryset: "does not exist"
    assert "lee" not in c.get(LIST).content.decode()


def test_day_view_bad_input_is_a_400_with_a_message(world, roster):
    client = world.client(Role.COMPANY_STAFF)
    response = client.get(DAY + "?date=2026-13-40")
    assert response.status_code == 400
    assert "日期格式不正确" in response.content.decode()
    response = client.get(DAY + f"?org={world.company_b.pk}")
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()


def test_day_view_by_company_marks_the_night_running_into_the_morning(world, roster):
    body = (
        world.client(Role.SYSADMIN)
        .get(DAY + f"?org={world.company.pk}&date=2026-01-06")
        .content.decode()
    )
    assert body.index(">ned</a>") < body.index(">lee</a>")  # last night's first
    assert "前日" in body and "次日" in body
