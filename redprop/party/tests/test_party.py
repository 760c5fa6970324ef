"""Party building: the branch rule, consent to show membership, encryption and logged
reveals, posts and their records, cross-appointments, supervision on the action table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.accounts.services import user_create
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.core.models import AuditEvent, AuditLog
from redprop.orgs.choices import PartyOrgKind
from redprop.orgs.models import CrossAppointment, PartyOrg
from redprop.party import records, selectors, services
from redprop.party.badges import badge_for_person, badges_for_people
from redprop.party.models import BranchProposal, Member, PartyEvent, ShowConsent, Supervision
from redprop.party.tests.helpers import party_world, register
from redprop.people.models import Person, PiiAccessLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def pw(world: Any) -> dict[str, Any]:
    return party_world(world)


# --- the branch rule ------------------------------------------------------------------------


def test_two_members_join_the_community_committee_and_nothing_is_proposed(world, pw):
    members = register(world, pw, 2)
    assert {m.party_org_id for m in members} == {pw["committee"].pk}
    assert not BranchProposal.objects.exists()
    (row,) = [r for r in selectors.coverage(user=world.users[Role.STREET_OFFICER]) if r.members]
    assert row.status == "joined" and row.members == 2


def test_proposing_below_three_members_is_refused_and_writes_nothing(world, pw):
    register(world, pw, 2)
    before = (BranchProposal.objects.count(), PartyEvent.objects.count(), AuditLog.objects.count())
    with pytest.raises(ApplicationError) as err:
        services.branch_propose(
            acting_user=world.users[Role.COMPANY_STAFF],
            company_id=world.company.pk,
            compound_id=world.compound.pk,
        )
    assert err.value.code == "party_branch_too_few_members"
    assert err.value.field == "members" and 400 <= err.value.status < 500
    after = (BranchProposal.objects.count(), PartyEvent.objects.count(), AuditLog.objects.count())
    assert after == before


def test_the_third_member_makes_the_platform_propose_and_the_committee_approves(world, pw):
    members = register(world, pw, 3)
    (p,) = BranchProposal.objects.all()
    assert p.automatic and p.members == 3 and p.status == "proposed"
    # A company may not approve its own branch (403), the committee may.
    with pytest.raises(PermissionDenied):
        services.proposal_approve(acting_user=world.users[Role.COMPANY_STAFF], proposal_id=p.pk)
    p = services.proposal_approve(acting_user=world.users[Role.COMMUNITY_STAFF], proposal_id=p.pk)
    assert p.status == "approved"
    branch = PartyOrg.objects.get(pk=p.branch_id)
    assert branch.kind == PartyOrgKind.BRANCH and branch.parent_id == pw["committee"].pk
    assert branch.host_org_id == world.company.pk
    assert set(
        Member.objects.filter(pk__in=[m.pk for m in members]).values_list("party_org", flat=True)
    ) == {branch.pk}
    assert AuditLog.objects.filter(event_type=AuditEvent.PARTY_BRANCH_DECIDED).count() == 1
    # Approving twice is a 409; a fourth member joins the branch directly.
    with pytest.raises(Conflict):
        services.proposal_approve(acting_user=world.users[Role.COMMUNITY_STAFF], proposal_id=p.pk)
    fourth = services.member_register(
        acting_user=world.users[Role.COMPANY_STAFF],
        company_id=world.company.pk,
        person_id=pw["workers"][3].pk,
        compound_id=world.compound.pk,
    )
    assert fourth.party_org_id == branch.pk
    (street,) = selectors.coverage_by_street(user=world.users[Role.STREET_OFFICER])
    assert street.branches == 1 and street.members == 4 and street.street == world.street.name


def test_the_company_office_forms_a_branch_too(world, pw):
    """Members in no compound (the company's office) are a project of their own; a
    branch the company formed earlier (orgs) is linked, not formed twice."""
    staff = world.users[Role.COMPANY_STAFF]
    for p in pw["workers"][:3]:
        services.member_register(acting_user=staff, company_id=world.company.pk, person_id=p.pk)
    p = BranchProposal.objects.get(compound=None)
    assert p.community_id == world.community.pk
    p = services.proposal_approve(acting_user=world.users[Role.COMMUNITY_STAFF], proposal_id=p.pk)
    assert PartyOrg.objects.get(pk=p.branch_id).community_id == world.community.pk


def test_an_earlier_branch_is_linked_not_duplicated(world, pw):
    from redprop.orgs.services import party_organise_company

    earlier = party_organise_company(
        company=world.company,
        members=pw["workers"][2:],
        committee=pw["committee"],
        acting_user=None,
    )
    register(world, pw, 3)
    p = BranchProposal.objects.get()
    p = services.proposal_approve(acting_user=world.users[Role.COMMUNITY_STAFF], proposal_id=p.pk)
    assert p.branch_id == earlier.pk
    assert PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH).count() == 1


def test_reject_needs_a_reason(world, pw):
    register(world, pw, 3)
    p = BranchProposal.objects.get()
    with pytest.raises(ApplicationError) as err:
        services.proposal_reject(
            acting_user=world.users[Role.COMMUNITY_STAFF], proposal_id=p.pk, reason="  "
        )
    assert err.value.field == "reason"
    p = services.proposal_reject(
        acting_user=world.users[Role.COMMUNITY_STAFF], proposal_id=p.pk, reason="人员待稳定"
    )
    assert p.status == "rejected" and p.branch_id is None


def test_sibling_community_cannot_see_or_approve(world, pw):
    register(world, pw, 3)
    p = BranchProposal.objects.get()
    from redprop.conftest import build_siblings

    build_siblings(world)
    with pytest.raises(NotFound):
        services.proposal_approve(
            acting_user=world.siblings[Role.COMMUNITY_STAFF], proposal_id=p.pk
        )
    rows = selectors.coverage(user=world.siblings[Role.STREET_OFFICER])
    assert [r.compound_id for r in rows] == [world.compound_b.pk] and rows[0].members == 0


# --- PIPL: encryption, masking, logged reveal ------------------------------------------------


def test_membership_is_encrypted_at_rest_and_masked(world, pw):
    (m,) = register(world, pw, 1)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM party_member WHERE id = %s", [m.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    name = pw["workers"][0].name
    assert name not in row
    # No column points at the person: who the member is lives only in the ciphertext.
    assert not [
        f for f in Member._meta.concrete_fields if getattr(f, "related_model", None) is Person
    ]
    assert m.name_masked == name[0] + "**"
    assert json.loads(json.dumps(m._identity()))["name"] == name


def test_reveal_is_for_the_community_desk_and_logged(world, pw):
    (m,) = register(world, pw, 1)
    with pytest.raises(PermissionDenied):
        services.member_reveal(
            acting_user=world.users[Role.COMPANY_STAFF], member_id=m.pk, reason="核对"
        )
    assert not PiiAccessLog.objects.exists()
    with pytest.raises(ApplicationError):
        services.member_reveal(
            acting_user=world.users[Role.COMMUNITY_STAFF], member_id=m.pk, reason=""
        )
    out = services.member_reveal(
        acting_user=world.users[Role.COMMUNITY_STAFF], member_id=m.pk, reason="换届核对党员名册"
    )
    assert out["name"] == pw["workers"][0].name
    log = PiiAccessLog.objects.get()
    assert log.field == "party_membership" and log.person_id == pw["workers"][0].pk
    assert AuditLog.objects.filter(event_type=AuditEvent.PARTY_MEMBER_REVEALED).count() == 1


# --- consent and the badge --------------------------------------------------------------------


def test_badge_only_with_consent_and_gone_after_withdrawal(world, pw):
    (m,) = register(world, pw, 1)
    person = pw["workers"][0]
    assert badge_for_person(person.pk) is None
    me = user_create(
        username="member1", password="pw-for-tests-123", person=person, acting_user=None
    )
    c = services.consent_grant(acting_user=me, member_id=m.pk)
    assert c.granted_at <= timezone.now() and c.evidence == ""
    assert badge_for_person(person.pk) is not None
    assert badges_for_people([person.pk, pw["workers"][1].pk]) == {person.pk}
    with pytest.raises(Conflict):
        services.consent_grant(acting_user=me, member_id=m.pk)
    services.consent_withdraw(acting_user=me, member_id=m.pk)
    assert badge_for_person(person.pk) is None
    assert ShowConsent.objects.filter(member=m).count() == 1
    assert ShowConsent.objects.get(member=m).withdrawn_at is not None
    with pytest.raises(Conflict):
        services.consent_withdraw(acting_user=me, member_id=m.pk)


def test_staff_record_consent_only_with_the_signed_form(world, pw):
    (m,) = register(world, pw, 1)
    staff = world.users[Role.COMPANY_STAFF]
    with pytest.raises(ApplicationError) as err:
        services.consent_grant(acting_user=staff, member_id=m.pk)
    assert err.value.field == "evidence" and not ShowConsent.objects.exists()
    services.consent_grant(acting_user=staff, member_id=m.pk, evidence="同意书 2026-017")
    assert badge_for_person(pw["workers"][0].pk)
    # Someone else with no relationship: not found.
    with pytest.raises(NotFound):
        services.consent_withdraw(acting_user=world.users[Role.RESIDENT], member_id=m.pk)


def test_badge_on_the_residents_view_of_the_handler(world, pw):
    from django.template import Context, Template

    (m,) = register(world, pw, 1)
    person = pw["workers"][0]
    worker = user_create(
        username="w1", password="pw-for-tests-123", person=person, acting_user=None
    )
    t = Template("{% load party_tags %}[{% party_badge user %}]")
    assert t.render(Context({"user": worker})) == "[]"
    services.consent_grant(acting_user=worker, member_id=m.pk)
    assert "共产党员" in t.render(Context({"user": worker}))


# --- posts and the service record -------------------------------------------------------------


def test_posts_and_responsibility_area_with_a_registered_record_source(world, pw):
    (m,) = register(world, pw, 1)
    staff = world.users[Role.COMPANY_STAFF]
    with pytest.raises(ApplicationError) as err:
        services.post_create(acting_user=staff, member_id=m.pk, kind="area", title="1栋责任区")
    assert err.value.field == "building_ids"
    with pytest.raises(ApplicationError):
        services.post_create(
            acting_user=staff,
            member_id=m.pk,
            kind="area",
            title="跨区",
            building_ids=[world.building_b.pk],
        )
    area = services.post_create(
        acting_user=staff,
        member_id=m.pk,
        kind="area",
        title="1栋、2栋责任区",
        building_ids=[world.building.pk, world.building_2.pk],
    )
    vanguard = services.post_create(
        acting_user=staff, member_id=m.pk, kind="vanguard", title="维修先锋岗"
    )
    assert {p.pk for p in selectors.posts_for(user=staff)} == {area.pk, vanguard.pk}
    calls = []

    def hours(*, person_id, since, until):
        calls.append((person_id, since, until))
        return 12.5

    records.register_source("volunteer_hours", hours, label="志愿服务时长（小时）")
    try:
        lines = {
            ln.name: ln.value
            for ln in records.service_record(
                person_id=pw["workers"][0].pk, since=dt.date(2026, 1, 1)
            )
        }
    finally:
        records.unregister_source("volunteer_hours")
    # "volunteers" is the volunteers app's own source (its approved hours, none here).
    assert lines == {"requests": 0, "meetings": 0, "volunteers": 0, "volunteer_hours": 12.5}
    assert calls == [(pw["workers"][0].pk, dt.date(2026, 1, 1), None)]
    assert "volunteer_hours" not in records.source_names()
    services.post_end(acting_user=staff, post_id=vanguard.pk)
    assert [p.pk for p in selectors.posts_for(user=staff)] == [area.pk]


def test_a_failing_source_does_not_break_the_record(world, pw):
    def broken(**kw):
        raise RuntimeError("down")

    records.register_source("broken", broken)
    try:
        lines = {ln.name: ln.value for ln in records.service_record(person_id=1)}
    finally:
        records.unregister_source("broken")
    assert lines["broken"] is None


# --- cross-appointments ------------------------------------------------------------------------


def test_cross_appointment_by_the_community_desk(world, pw):
    from redprop.orgs.models import Org

    rc = Org.objects.get(name="红星社区居委会")
    desk = world.users[Role.COMMUNITY_STAFF]
    with pytest.raises(ApplicationError) as err:
        services.appointment_create(
            acting_user=desk,
            person_id=world.resident.pk,
            home_org_id=world.company.pk,
            seat_org_id=rc.pk,
            position="居委会兼职副主任",
        )
    assert err.value.field == "person_id"
    with pytest.raises(PermissionDenied):
        services.appointment_create(
            acting_user=world.users[Role.COMPANY_STAFF],
            person_id=pw["workers"][0].pk,
            home_org_id=world.company.pk,
            seat_org_id=rc.pk,
            position="居委会兼职副主任",
        )
    # Another street's company is refused exactly as one that does not exist.
    answers = []
    for seat in (world.company_b.pk, 987654321):
        with pytest.raises(ApplicationError) as err:
            services.appointment_create(
                acting_user=desk,
                person_id=pw["workers"][0].pk,
                home_org_id=world.company.pk,
                seat_org_id=seat,
                position="兼职",
            )
        answers.append((err.value.status, err.value.code, err.value.field, err.value.message))
    assert answers[0] == answers[1]
    a = services.appointment_create(
        acting_user=desk,
        person_id=pw["workers"][0].pk,
        home_org_id=world.company.pk,
        seat_org_id=rc.pk,
        position="居委会兼职副主任",
    )
    assert list(selectors.appointments_for(user=world.users[Role.STREET_OFFICER])) == [a]
    services.appointment_end(acting_user=desk, appointment_id=a.pk)
    assert CrossAppointment.objects.get(pk=a.pk).ended_on == timezone.localdate()
    assert AuditLog.objects.filter(event_type=AuditEvent.PARTY_APPOINTMENT_CHANGED).count() == 2


# --- supervision ---------------------------------------------------------------------------------


def _submit(world, **kw):
    args = {
        "acting_user": world.users[Role.COMPANY_STAFF],
        "company_id": world.company.pk,
        "community_id": world.community.pk,
        "kind": "spending",
        "title": "更换2栋单元门禁",
        "detail": "使用公共收益 1.2 万元更换门禁，报社区党委审核",
        "amount": "12000",
    }
    args.update(kw)
    return services.supervision_submit(**args)


def test_supervision_opinion_and_close(world, pw):
    s = _submit(world)
    assert s.due_on == timezone.localdate() + dt.timedelta(days=7) and not s.overdue
    with pytest.raises(PermissionDenied):
        services.supervision_opine(
            acting_user=world.users[Role.COMPANY_STAFF], supervision_id=s.pk, opinion="agree"
        )
    with pytest.raises(ApplicationError) as err:
        services.supervision_opine(
            acting_user=world.users[Role.COMMUNITY_STAFF], supervision_id=s.pk, opinion="amend"
        )
    assert err.value.field == "opinion_text"
    s = services.supervision_opine(
        acting_user=world.users[Role.COMMUNITY_STAFF],
        supervision_id=s.pk,
        opinion="amend",
        text="先在楼栋公示三天",
    )
    assert s.status == "answered" and s.opinion == "amend" and not s.answered_late
    with pytest.raises(Conflict):
        services.supervision_withdraw(
            acting_user=world.users[Role.COMPANY_STAFF], supervision_id=s.pk
        )
    s = services.supervision_close(
        acting_user=world.users[Role.COMPANY_STAFF], supervision_id=s.pk, note="已公示并实施"
    )
    assert s.status == "closed"
    kinds = list(PartyEvent.objects.filter(supervision=s).values_list("kind", flat=True))
    assert kinds == ["submitted", "opine", "close"]


def test_supervision_bad_input_writes_nothing(world, pw):
    for kw, field in [
        ({"kind": "bribe"}, "kind"),
        ({"title": ""}, "title"),
        ({"amount": "-1"}, "amount"),
        ({"amount": "1e12"}, "amount"),
        ({"due_on": timezone.localdate()}, "due_on"),
        ({"community_id": world.community_b.pk}, "community_id"),
    ]:
        with pytest.raises(ApplicationError) as err:
            _submit(world, **kw)
        assert err.value.field == field
    assert not Supervision.objects.exists()


def test_overdue_is_shown(world, pw):
    s = _submit(world, due_on=timezone.localdate() + dt.timedelta(days=1))
    Supervision.objects.filter(pk=s.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    desk = world.users[Role.COMMUNITY_STAFF]
    assert [x.pk for x in selectors.supervisions_for(user=desk, status="overdue")] == [s.pk]
    assert selectors.supervision_counts(user=desk) == {"waiting": 1, "overdue": 1}
    s = services.supervision_opine(acting_user=desk, supervision_id=s.pk, opinion="agree")
    assert s.answered_late


def test_workflow_tables_cover_their_maps():
    from redprop.party.workflow import PROPOSALS, SUPERVISION

    assert PROPOSALS.check() == [] and SUPERVISION.check() == []


# --- API ---------------------------------------------------------------------------------------


def test_api_propose_below_three_is_a_4xx_with_code_message_field(world, pw):
    register(world, pw, 1)
    c = world.client(Role.COMPANY_STAFF)
    r = c.post(
        "/api/v1/party/proposals",
        {"company_id": world.company.pk, "compound_id": world.compound.pk},
        content_type="application/json",
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "party_branch_too_few_members" and body["field"] == "members"
    assert body["message"]
    assert not BranchProposal.objects.exists()


def test_api_coverage_and_company_page_masked(world, pw):
    register(world, pw, 3)
    r = world.client(Role.STREET_OFFICER).get("/api/v1/party/coverage")
    assert r.status_code == 200
    (street,) = r.json()
    assert street["members"] == 3 and street["eligible"] == 1
    r = world.client(Role.COMPANY_STAFF).get(f"/api/v1/party/companies/{world.company.pk}")
    names = [m["name"] for m in r.json()["members"]]
    assert all("*" in n for n in names) and pw["workers"][0].name not in r.content.decode()
    assert world.client(Role.RESIDENT).get("/api/v1/party/coverage").status_code == 403


# --- personal-information rights -----------------------------------------------------------


def test_personal_data_and_erasure(world, pw):
    (m,) = register(world, pw, 1)
    person = pw["workers"][0]
    staff = world.users[Role.COMPANY_STAFF]
    services.consent_grant(acting_user=staff, member_id=m.pk, evidence="同意书 1")
    services.post_create(acting_user=staff, member_id=m.pk, kind="model", title="示范岗")
    data = services.member_personal_data(person_id=person.pk)
    assert data["company"] == world.company.name and len(data["consents"]) == 1
    assert data["posts"][0]["title"] == "示范岗"
    assert services.member_erase_person(person_id=person.pk, acting_user=None)
    assert services.member_personal_data(person_id=person.pk) is None
    assert badge_for_person(person.pk) is None
    m.refresh_from_db()
    assert m.name_masked == "***" and "person_id" not in m._identity()
    # Still counted in coverage; its identity can no longer be revealed.
    (row,) = [r for r in selectors.coverage(user=world.users[Role.STREET_OFFICER]) if r.members]
    assert row.members == 1
    with pytest.raises(Conflict):
        services.member_reveal(
            acting_user=world.users[Role.COMMUNITY_STAFF], member_id=m.pk, reason="核对"
        )
    r = world.client(Role.COMPANY_STAFF).get(f"/api/v1/party/members/{m.pk}/record")
    assert r.status_code == 200 and r.json() == []
    assert world.client(Role.COMPANY_STAFF).get("/party/posts/").status_code == 200
    assert not services.member_erase_person(person_id=person.pk, acting_user=None)
