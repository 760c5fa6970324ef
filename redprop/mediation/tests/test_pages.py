"""The phone pages: list, case page (file view logged, party view), steps, intake,
转调解 from the request page."""

import pytest

from redprop.accounts.choices import Role
from redprop.mediation.models import Case
from redprop.mediation.tests.helpers import petition
from redprop.people.models import PiiAccessLog
from redprop.requests import services as rs
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db


def test_list_detail_and_accept_by_the_desk(world):
    case = petition(world)
    staff = world.client(Role.COMMUNITY_STAFF)
    assert case.title in staff.get("/mediation/").content.decode()
    before = PiiAccessLog.objects.count()
    page = staff.get(f"/mediation/{case.pk}/").content.decode()
    assert "本次查阅已记录" in page and case.summary in page
    assert PiiAccessLog.objects.count() == before + 1
    resp = staff.post(f"/mediation/{case.pk}/do/accept/", {"accept-note": "受理"})
    assert resp.status_code == 302
    case.refresh_from_db()
    assert case.status == "accepted"


def test_party_view_hides_the_file(world):
    case = petition(world)
    page = world.client(Role.RESIDENT).get(f"/mediation/{case.pk}/").content.decode()
    assert "本次查阅已记录" not in page and case.title in page
    assert world.client(Role.GRID_BUTLER).get(f"/mediation/{case.pk}/").status_code == 404


def test_an_agreement_without_text_shows_the_error_next_to_the_field(world):
    from redprop.core import clock
    from redprop.mediation import services

    staff_user = world.users[Role.COMMUNITY_STAFF]
    case = petition(world, kind="dispute")
    services.case_accept(case=case, acting_user=staff_user)
    services.case_session(
        case=case,
        held_at=clock.now(),
        place="议事厅",
        attendance="双方",
        notes="记录",
        acting_user=staff_user,
    )
    resp = world.client(Role.COMMUNITY_STAFF).post(
        f"/mediation/{case.pk}/do/agree/", {"agree-text": "", "agree-follow_up_on": "2099-01-01"}
    )
    assert resp.status_code == 400
    assert "请填写调解协议内容" in resp.content.decode()
    case.refresh_from_db()
    assert case.status == "mediating"


def test_intake_of_a_petition(world):
    staff = world.client(Role.COMMUNITY_STAFF)
    assert staff.get("/mediation/new/").status_code == 200
    resp = staff.post(
        "/mediation/new/",
        {
            "kind": "petition",
            "source": "walk_in",
            "dispute_type": "parking",
            "compound": world.compound.pk,
            "applicant": world.resident.pk,
            "respondent_company": world.company.pk,
            "title": "车位被长期占用",
            "summary": "地面车位被外来车辆长期占用。",
        },
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    case = Case.objects.get()
    assert case.kind == "petition" and case.parties.count() == 2
    empty = staff.post(
        "/mediation/new/",
        {
            "kind": "petition",
            "source": "walk_in",
            "dispute_type": "parking",
            "compound": world.compound.pk,
            "title": "无当事人",
        },
    )
    assert empty.status_code == 400 and Case.objects.count() == 1


def test_from_request_page_button(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    request = rs.request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="pipe_dredging"),
        description="楼上漏水纠纷",
        unit=world.unit,
    )
    page = world.client(Role.COMMUNITY_STAFF).get(f"/r/{request.pk}/").content.decode()
    assert "转调解" in page
    resp = world.client(Role.COMMUNITY_STAFF).post(f"/mediation/from-request/{request.pk}/")
    assert resp.status_code == 302
    case = Case.objects.get()
    assert case.request_id == request.pk
    page = world.client(Role.COMMUNITY_STAFF).get(f"/r/{request.pk}/").content.decode()
    assert case.number in page
    # The resident sees no 转调解 button.
    assert "转调解" not in world.client(Role.RESIDENT).get(f"/r/{request.pk}/").content.decode()
    assert staff


def test_dashboard_panel_counts_cases_by_community(world):
    from redprop.mediation import services

    staff = world.users[Role.COMMUNITY_STAFF]
    case = petition(world)
    services.case_accept(case=case, acting_user=staff)
    services.case_answer(case=case, text="已答复", acting_user=staff)
    services.case_rate(case=case, score=4, acting_user=world.users[Role.RESIDENT])
    page = world.client(Role.STREET_OFFICER).get("/dashboard/").content.decode()
    assert "调解与信访" in page and world.community.name in page and "100.0%" in page
    # Company staff use the dashboard too, but the panel is for supervising roles.
    assert "med-panel" not in world.client(Role.COMPANY_STAFF).get("/dashboard/").content.decode()
