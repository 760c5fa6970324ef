"""The API: bad input is a 4xx {code, message, field} with nothing written; the party's
view; every read of a case file is logged; counts by community."""

import datetime as dt

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.mediation import services
from redprop.mediation.models import Case, CaseEvent, CaseSession
from redprop.mediation.tests.helpers import jpeg, petition
from redprop.people.models import PiiAccessLog

pytestmark = pytest.mark.django_db
URL = "/api/v1/mediation"


def post(world, role, path, payload=None):
    return world.client(role).post(f"{URL}{path}", payload or {}, content_type="application/json")


def body(world, **kw):
    data = {
        "kind": "dispute",
        "dispute_type": "noise",
        "source": "walk_in",
        "title": "楼上夜间噪音",
        "summary": "楼上住户夜间搬动家具。",
        "compound_id": world.compound.pk,
        "parties": [{"side": "applicant", "kind": "resident", "person_id": world.resident.pk}],
    }
    data.update(kw)
    return data


def assert_refused(resp, status, code, field):
    assert resp.status_code == status, resp.content
    data = resp.json()
    assert data["code"] == code and data["field"] == field and data["message"]


def test_open_a_case_and_read_it(world):
    resp = post(world, Role.COMMUNITY_STAFF, "/cases", body(world))
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["status"] == "registered" and data["number"].startswith("TJ")
    assert data["accept_due_at"]


def test_a_case_without_parties_is_refused_and_nothing_written(world):
    resp = post(world, Role.COMMUNITY_STAFF, "/cases", body(world, parties=[]))
    assert_refused(resp, 400, "parties_required", "parties")
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_a_party_outside_the_scope_is_refused_like_a_missing_one(world):
    foreign = post(
        world,
        Role.COMMUNITY_STAFF,
        "/cases",
        body(world, parties=[{"kind": "resident", "person_id": world.resident_b.pk}]),
    )
    missing = post(
        world,
        Role.COMMUNITY_STAFF,
        "/cases",
        body(world, parties=[{"kind": "resident", "person_id": 987654321}]),
    )
    assert foreign.status_code == missing.status_code == 400
    assert foreign.json() == missing.json()
    assert not Case.objects.exists()


def test_a_session_before_the_case_was_opened_is_refused(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world, kind="dispute")
    services.case_accept(case=case, acting_user=staff)
    before = case.received_at - dt.timedelta(days=1)
    resp = post(
        world,
        Role.COMMUNITY_STAFF,
        f"/cases/{case.pk}/sessions",
        {"held_at": before.isoformat(), "place": "议事厅", "attendance": "双方", "notes": "记录"},
    )
    assert_refused(resp, 400, "session_before_opened", "held_at")
    case.refresh_from_db()
    assert case.status == "accepted" and not CaseSession.objects.exists()


def test_an_agreement_without_its_text_is_refused(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world, kind="dispute")
    services.case_accept(case=case, acting_user=staff)
    services.case_session(
        case=case,
        held_at=clock.now(),
        place="议事厅",
        attendance="双方",
        notes="记录",
        acting_user=staff,
    )
    follow = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    resp = post(
        world,
        Role.COMMUNITY_STAFF,
        f"/cases/{case.pk}/agree",
        {"text": "  ", "follow_up_on": follow},
    )
    assert_refused(resp, 400, "agreement_text_required", "text")
    case.refresh_from_db()
    assert case.status == "mediating" and case.agreement_text == ""


def test_every_read_of_the_file_is_logged_and_the_party_sees_only_their_own(world):
    case = petition(world)
    other = world.resident_b
    # A second resident party of community A.
    from redprop.mediation.models import CaseParty

    CaseParty.objects.create(
        case=case, side="respondent", kind="resident", person=other, name=other.name
    )
    before = PiiAccessLog.objects.count()
    staff = world.client(Role.COMMUNITY_STAFF)
    for _ in range(2):
        resp = staff.get(f"{URL}/cases/{case.pk}")
        assert resp.status_code == 200
        assert resp.json()["view"] == "file"
    # Two reads × two natural-person parties.
    logged = PiiAccessLog.objects.filter(field="case_file").order_by("pk")
    assert logged.count() - 0 == PiiAccessLog.objects.count() - before == 4
    assert {row.person_id for row in logged} == {world.resident.pk, other.pk}
    # The party's view: their own case, without the other resident's name or the notes.
    resp = world.client(Role.RESIDENT).get(f"{URL}/cases/{case.pk}")
    assert resp.status_code == 200
    data = resp.json()
    assert data["view"] == "party"
    names = [p["name"] for p in data["parties"]]
    assert world.resident.name in names and other.name not in str(data)
    assert PiiAccessLog.objects.count() - before == 4  # a party's own view is not a file read
    # Not a party, not a mediator, not a supervisor: 404 like a missing case.
    for role in (Role.GRID_BUTLER, Role.MAINTENANCE_WORKER):
        assert world.client(role).get(f"{URL}/cases/{case.pk}").status_code == 404


def test_the_party_may_rate_once_and_staff_never(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world)
    services.case_accept(case=case, acting_user=staff)
    services.case_answer(case=case, text="已答复", acting_user=staff)
    resp = post(world, Role.RESIDENT, f"/cases/{case.pk}/rate", {"score": 5})
    assert resp.status_code == 200, resp.content
    again = post(world, Role.RESIDENT, f"/cases/{case.pk}/rate", {"score": 1})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert (
        post(world, Role.COMMUNITY_STAFF, f"/cases/{case.pk}/rate", {"score": 5}).status_code == 403
    )


def test_signature_upload(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world, kind="dispute")
    services.case_accept(case=case, acting_user=staff)
    services.case_session(
        case=case,
        held_at=clock.now(),
        place="议事厅",
        attendance="双方",
        notes="记录",
        acting_user=staff,
    )
    services.case_agree(
        case=case, text="协议", follow_up_on=timezone.localdate(), acting_user=staff
    )
    party = case.parties.first()
    resp = world.client(Role.COMMUNITY_STAFF).post(
        f"{URL}/cases/{case.pk}/signatures", {"party_id": party.pk, "file": jpeg()}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["signatures"] == 1
    bad = world.client(Role.COMMUNITY_STAFF).post(
        f"{URL}/cases/{case.pk}/signatures",
        {"party_id": party.pk, "file": jpeg()},
        format="multipart",
    )
    assert bad.status_code == 200


def test_counts_by_community_with_agreements_and_satisfaction(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world, kind="dispute")
    services.case_accept(case=case, acting_user=staff)
    services.case_session(
        case=case,
        held_at=clock.now(),
        place="议事厅",
        attendance="双方",
        notes="记录",
        acting_user=staff,
    )
    services.case_agree(
        case=case, text="协议", follow_up_on=timezone.localdate(), acting_user=staff
    )
    services.case_rate(case=case, score=5, acting_user=world.users[Role.RESIDENT])
    petition(world)
    resp = world.client(Role.STREET_OFFICER).get(f"{URL}/counts")
    assert resp.status_code == 200, resp.content
    (row,) = resp.json()
    assert row["node_id"] == world.community.pk
    assert row["cases"] == 2 and row["petitions"] == 1 and row["agreements"] == 1
    assert row["satisfaction_rate"] == 100.0 and row["agreement_rate"] == 100.0
    # Another street's officer sees nothing of street A.
    other = world.users["street_b"]
    from django.test import Client

    c = Client()
    c.force_login(other)
    assert c.get(f"{URL}/counts?node={world.street.pk}").status_code == 404
    assert world.client(Role.RESIDENT).get(f"{URL}/counts").status_code == 403


def test_far_times_are_refused_not_overflowed(world):
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:00-12:00", "1999-12-31T00:00:00Z"):
        resp = post(world, Role.COMMUNITY_STAFF, "/cases", body(world, received_at=when))
        assert resp.status_code == 400 and resp.json()["field"] == "received_at", when
    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world, kind="dispute")
    services.case_accept(case=case, acting_user=staff)
    for when in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:00-12:00"):
        resp = post(
            world,
            Role.COMMUNITY_STAFF,
            f"/cases/{case.pk}/sessions",
            {"held_at": when, "place": "议事厅", "attendance": "双方", "notes": "记录"},
        )
        assert resp.status_code == 400 and resp.json()["field"] == "held_at", when
    assert not Case.objects.exclude(pk=case.pk).exists()
