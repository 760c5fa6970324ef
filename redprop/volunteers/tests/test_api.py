"""/api/v1/volunteers: the journey by JSON, and bad input as {code, message, field}."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.volunteers.models import HoursRecord, Signup
from redprop.volunteers.tests.helpers import volunteer_world

pytestmark = pytest.mark.django_db

API = "/api/v1/volunteers"


def post(client, path, body=None):
    return client.post(API + path, json.dumps(body or {}), content_type="application/json")


def test_journey_by_api(world):
    vw = volunteer_world(world)
    a = vw["activity"]
    res, org = world.client(Role.RESIDENT), world.client(Role.COMMUNITY_STAFF)
    listed = res.get(API + "/activities").json()
    assert [x["id"] for x in listed] == [a.pk]
    r = post(res, f"/activities/{a.pk}/signup")
    assert r.status_code == 200, r.content
    assert r.json()["my_signup"]["status"] == "signed"
    # Check-out before check-in: 409 with the field, nothing written.
    token = org.get(API + f"/activities/{a.pk}/token").json()
    assert token["kind"] == "activity"
    r = post(res, "/checkout", {"token": token["token"]})
    assert r.status_code == 409
    assert r.json() == {
        "code": "volunteer_not_checked_in",
        "message": r.json()["message"],
        "field": "checked_in_at",
    }
    assert post(res, "/checkin", {"token": token["token"]}).status_code == 200
    out = post(res, "/checkout", {"token": token["token"]})
    assert out.status_code == 200, out.content
    assert out.json()["hours_status"] == "pending"
    record = HoursRecord.objects.get()
    r = post(org, f"/signups/{record.signup_id}/credit", {})
    assert r.status_code == 409
    assert r.json()["code"] == "volunteer_hours_already_credited"
    r = post(org, f"/hours/{record.pk}/approve")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "approved"
    me = res.get(API + "/me").json()
    assert me["times"] == 1
    counts = world.client(Role.STREET_OFFICER).get(API + "/counts").json()
    assert counts[0]["volunteers"] == 1


def test_organiser_scans_the_volunteers_code(world):
    vw = volunteer_world(world)
    a = vw["activity"]
    res, org = world.client(Role.RESIDENT), world.client(Role.COMMUNITY_STAFF)
    post(res, f"/activities/{a.pk}/signup")
    mine = res.get(API + f"/activities/{a.pk}/token").json()
    assert mine["kind"] == "signup"
    # The volunteer cannot check themself in with their own code: it is the organiser's to scan.
    assert post(res, "/checkin", {"token": mine["token"]}).status_code == 403
    assert post(org, "/checkin", {"token": mine["token"]}).status_code == 200
    assert Signup.objects.get().checked_in_by_id == world.users[Role.COMMUNITY_STAFF].pk


def test_checkin_before_start_is_a_409(world):
    vw = volunteer_world(world, starts_in=dt.timedelta(hours=5))
    a = vw["activity"]
    res, org = world.client(Role.RESIDENT), world.client(Role.COMMUNITY_STAFF)
    post(res, f"/activities/{a.pk}/signup")
    token = org.get(API + f"/activities/{a.pk}/token").json()["token"]
    r = post(res, "/checkin", {"token": token})
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["field"]) == ("volunteer_activity_not_started", "starts_at")
    assert Signup.objects.get().checked_in_at is None


def test_create_validates_and_signup_past_capacity(world):
    vw = volunteer_world(world)
    org = world.client(Role.COMMUNITY_STAFF)
    start = timezone.now() + dt.timedelta(days=2)
    body = {
        "team_id": vw["team"].pk,
        "title": "探访独居老人",
        "place": "幸福小区3栋",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "capacity": 0,
    }
    r = post(org, "/activities", body)
    assert r.status_code in (400, 422)
    body["capacity"] = 1
    r = post(org, "/activities", body)
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert post(org, f"/activities/{pk}/publish").status_code == 200
    assert post(world.client(Role.RESIDENT), f"/activities/{pk}/signup").status_code == 200
    # A second volunteer finds it full: staff are not volunteers (403), so register one.
    from redprop.accounts.services import role_grant, user_create
    from redprop.people.services import person_create
    from redprop.volunteers import services as vs

    p = person_create(name="钱青年", acting_user=None, place=world.unit)
    vs.volunteer_register(person_id=p.pk, community_id=world.community.pk, acting_user=vw["staff"])
    u = user_create(username="t_v2", password="pw-for-tests-123", person=p, acting_user=None)
    role_grant(user=u, role=Role.RESIDENT, person=p, acting_user=None)
    from django.test import Client

    c = Client()
    c.force_login(u)
    r = post(c, f"/activities/{pk}/signup")
    assert r.status_code == 409
    assert (r.json()["code"], r.json()["field"]) == ("volunteer_activity_full", "capacity")


def test_roles_without_the_page_are_refused(world):
    volunteer_world(world)
    assert world.client(Role.GRID_BUTLER).get(API + "/activities").status_code == 403


def test_an_unknown_hours_status_is_a_400_not_a_query(world):
    """PostgreSQL refused a NUL in the status filter with a 500 (found by the fuzz)."""
    vw = volunteer_world(world)
    assert vw
    org = world.client(Role.COMMUNITY_STAFF)
    r = org.get(API + "/hours", {"status": "pend\x00ing"})
    assert r.status_code == 400
    assert r.json()["code"] == "volunteer_bad_status"
    assert r.json()["field"] == "status"
    assert org.get(API + "/hours", {"status": "pending"}).status_code == 200


def test_an_odd_skill_code_is_unknown_not_a_query(world):
    res = world.client(Role.RESIDENT)
    r = post(res, "/me/join", {"skills": ["sew\x00ing"]})
    assert r.status_code == 400
    assert r.json()["field"] == "skills"
    assert not res.get(API + "/me").json()["communities"]
