"""The stored votes' API: who may do what, the shapes, and 4xx {code, message, field}."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.conftest import PASSWORD, build_world
from redprop.core.models import AuditEvent, AuditLog
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import OrgMembership
from redprop.orgs.services import org_create
from redprop.votes import services
from redprop.votes.models import Ballot, Vote
from redprop.votes.tests.helpers import build_place, pdf, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    w = build_world()
    place = build_place(w)
    staff = w.users[Role.COMMUNITY_STAFF]
    return w, place, staff


def client_for(user):
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def post(c, url, body):
    return c.post(url, data=json.dumps(body), content_type="application/json")


def test_staff_create_open_owner_casts_publish_public_result(setup):
    _w, place, staff = setup
    s = client_for(staff)
    r = post(
        s,
        "/api/v1/votes/",
        {"compound_id": place.compound.pk, "item": 6, "title": "筹集维修资金"},
    )
    assert r.status_code == 201, r.content
    vid = r.json()["id"]
    assert r.json()["actions"] == ["cancel", "open"]
    assert s.post(f"/api/v1/votes/{vid}/open").status_code == 200
    wang = client_for(place.users["wang"])
    body = {"ballots": [{"unit_id": place.units["102"].pk, "choice": "agree"}]}
    r = post(wang, f"/api/v1/votes/{vid}/ballots", body)
    assert r.status_code == 201, r.content
    (head,) = r.json()
    assert head["current"] == "agree" and len(head["units"]) == 2
    body["ballots"][0]["choice"] = "disagree"
    r = post(wang, f"/api/v1/votes/{vid}/ballots", body)
    assert [h["choice"] for h in r.json()[0]["history"]] == ["agree", "disagree"]
    anon = Client()
    assert anon.get(f"/api/v1/votes/{vid}/result").status_code == 404  # not yet published
    assert s.post(f"/api/v1/votes/{vid}/close").status_code == 200
    r = s.post(f"/api/v1/votes/{vid}/publish")
    assert r.status_code == 200 and r.json()["state"] == "published"
    r = anon.get(f"/api/v1/votes/{vid}/result")
    assert r.status_code == 200
    res = r.json()["result"]
    assert res["disagree_heads"] == 1 and res["participating_area"] == "160.25"
    assert "王五" not in r.content.decode()  # tallies, not who voted how


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"ballots": [{"unit_id": "x", "choice": "agree"}]}, 400, "validation_error", None),
        ({"ballots": [{"unit_id": 1, "choice": "blank"}]}, 400, "validation_error", None),
        ({"ballots": []}, 400, "validation_error", "ballots"),
    ],
)
def test_bad_ballot_bodies(setup, body, status, code, field):
    _w, place, staff = setup
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘")
    r = post(client_for(place.users["wang"]), f"/api/v1/votes/{vote.pk}/ballots", body)
    assert r.status_code == status
    assert r.json()["code"] == code and {"code", "message", "field"} <= set(r.json())
    assert not Ballot.objects.exists()


def test_twice_in_one_request_and_unit_not_theirs(setup):
    _w, place, staff = setup
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘")
    wang = client_for(place.users["wang"])
    u = place.units
    r = post(
        wang,
        f"/api/v1/votes/{vote.pk}/ballots",
        {
            "ballots": [
                {"unit_id": u["102"].pk, "choice": "agree"},
                {"unit_id": u["201"].pk, "choice": "agree"},
            ]
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "duplicate_ballot"
    assert r.json()["field"] == "ballots[1].unit_id"
    r = post(
        wang,
        f"/api/v1/votes/{vote.pk}/ballots",
        {"ballots": [{"unit_id": u["101"].pk, "choice": "agree"}]},
    )
    assert r.status_code == 400 and r.json()["code"] == "unit_not_yours"
    assert not Ballot.objects.exists()


def test_item_outside_1_9_via_api(setup):
    _w, place, staff = setup
    r = post(
        client_for(staff),
        "/api/v1/votes/",
        {"compound_id": place.compound.pk, "item": 10, "title": "x"},
    )
    assert (
        r.status_code == 400 and r.json()["code"] == "invalid_item" and r.json()["field"] == "item"
    )
    assert not Vote.objects.exists()


def test_committee_sees_participants_not_choices_and_ballots_are_logged(setup):
    _w, place, staff = setup
    committee = org_create(
        kind=OrgKind.OWNERS_COMMITTEE,
        name="投票小区业委会",
        place=place.compound,
        compound=place.compound,
        acting_user=None,
    )
    OrgMembership.objects.create(org=committee, person=place.people["zhao"])
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘")
    services.ballot_cast(
        vote=vote, acting_user=place.users["wang"], ballots=[(place.units["102"].pk, "abstain")]
    )
    zhao = client_for(place.users["zhao"])
    r = zhao.get(f"/api/v1/votes/{vote.pk}/participants")
    assert r.status_code == 200 and r.json() == [{"label": "王五", "units": ["1栋 102", "2栋 201"]}]
    assert "abstain" not in r.content.decode()
    assert zhao.get(f"/api/v1/votes/{vote.pk}/ballots?reason=看看").status_code == 403
    wang = client_for(place.users["wang"])
    assert wang.get(f"/api/v1/votes/{vote.pk}/participants").status_code == 403
    s = client_for(staff)
    assert s.get(f"/api/v1/votes/{vote.pk}/ballots").status_code == 400  # a reason is required
    r = s.get(f"/api/v1/votes/{vote.pk}/ballots?reason=核对")
    assert r.status_code == 200 and r.json()[0]["choice"] == "abstain"
    assert AuditLog.objects.filter(event_type=AuditEvent.BALLOTS_VIEWED).count() == 1


def test_paper_and_import_through_the_api(setup):
    from django.utils import timezone

    _w, place, staff = setup
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘")
    s = client_for(staff)
    r = s.post(
        f"/api/v1/votes/{vote.pk}/paper",
        {"unit_id": place.units["101"].pk, "choice": "agree", "document": pdf()},
    )
    assert r.status_code == 201, r.content
    r = s.get(f"/api/v1/votes/{vote.pk}/import-template")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxml")
    now = timezone.localtime().replace(tzinfo=None)
    bad = xlsx(
        [[place.units["102"].pk, "", "同意", now, None, None], [5, "", "?", now, None, None]]
    )
    r = s.post(f"/api/v1/votes/{vote.pk}/import", {"file": bad, "document": pdf()})
    assert r.status_code == 400 and r.json()["code"] == "import_rows_invalid"
    assert [row["row"] for row in r.json()["rows"]] == [3]
    assert Ballot.objects.count() == 1
    good = xlsx([[place.units["102"].pk, "", "同意", now, None, None]])
    r = s.post(f"/api/v1/votes/{vote.pk}/import", {"file": good, "document": pdf()})
    assert r.status_code == 201 and r.json() == {"imported": 1}
    not_xlsx = pdf("x.xlsx")
    r = s.post(f"/api/v1/votes/{vote.pk}/import", {"file": not_xlsx, "document": pdf()})
    assert r.status_code == 400 and r.json()["code"] == "invalid_spreadsheet"


def test_owners_and_siblings_cannot_steer_the_vote(setup):
    w, place, staff = setup
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘")
    wang = client_for(place.users["wang"])
    assert wang.post(f"/api/v1/votes/{vote.pk}/close").status_code == 403
    assert wang.get(f"/api/v1/votes/{vote.pk}/ballots?reason=x").status_code == 403
    other = client_for(w.users[Role.RESIDENT])  # an owner elsewhere
    assert other.get(f"/api/v1/votes/{vote.pk}").status_code == 404
