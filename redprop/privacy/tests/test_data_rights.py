"""我的数据: a resident downloads their own data (each unmasked field logged as a
self-access) and asks for deletion; staff anonymise, and every statistic stays."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.urls import reverse

from redprop.conftest import ADULT_ID, ADULT_MOBILE
from redprop.core.audit import chain_verify
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent, AuditLog
from redprop.dashboards.tests.helpers import build_history, drive, file
from redprop.people.models import Person, PiiAccessLog
from redprop.privacy import services
from redprop.privacy.choices import ErasureStatus
from redprop.privacy.models import ErasureRequest
from redprop.requests import services as request_services
from redprop.requests.models import Rating, RequestEvent, ServiceRequest

pytestmark = pytest.mark.django_db

PAGE = reverse("web:my_data")
DOWNLOAD = reverse("web:my_data_download")
ERASE = reverse("web:my_data_erase")


def raw_person(person_id: int) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_person WHERE id = %s", [person_id])
        return " ".join(str(v) for v in cur.fetchone())


def rated_with_comment(world, comment="王建国家楼上漏水，电话13812341234"):
    r = drive(world, file(world, description="我家（王建国）厨房下水道堵塞"))
    return request_services.request_rate(
        request=r, score=4, solved=True, comment=comment, acting_user=world.users["resident"]
    )


# --- download -----------------------------------------------------------------------


def test_download_holds_own_data_unmasked_and_logs_each_field(world):
    r = rated_with_comment(world)
    client = world.client("resident")
    response = client.post(DOWNLOAD)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["person"]["id_number"] == ADULT_ID
    assert data["person"]["mobile"] == ADULT_MOBILE
    assert data["person"]["birth_date"] == "1949-12-31"
    assert data["person"]["sensitive_tags"] == ["elderly_alone"]
    assert [u["unit"] for u in data["units"]] == ["1栋1单元101", "1栋1单元101"]  # owner, occupant
    assert data["requests"][0]["number"] == r.number
    assert data["requests"][0]["description"] == "我家（王建国）厨房下水道堵塞"
    assert data["ratings"][0]["comment"].startswith("王建国家楼上漏水")
    # One self-access row per unmasked field, by the resident, about themself.
    logs = PiiAccessLog.objects.filter(context="self_export")
    assert sorted(logs.values_list("field", flat=True)) == [
        "birth_date",
        "id_number",
        "mobile",
        "party_membership",
        "sensitive_tags",
    ]
    assert {(row.actor, row.person) for row in logs} == {(world.users["resident"], world.resident)}
    row = AuditLog.objects.get(event_type=AuditEvent.PERSONAL_DATA_EXPORTED)
    assert ADULT_MOBILE not in json.dumps([row.before, row.after, row.extra])
    assert chain_verify(PiiAccessLog).ok and chain_verify(AuditLog).ok


def test_download_is_a_post_and_for_residents_only(world):
    assert world.client("resident").get(DOWNLOAD).status_code == 405
    assert world.client("community_staff").post(DOWNLOAD).status_code == 403
    assert world.client("community_staff").get(PAGE).status_code == 403
    assert not PiiAccessLog.objects.exists()
    page = world.client("resident").get(PAGE)
    assert page.status_code == 200
    assert "138****1234" in page.content.decode()
    assert ADULT_MOBILE not in page.content.decode()


# --- asking for deletion --------------------------------------------------------------


def test_resident_asks_once(world):
    client = world.client("resident")
    assert client.post(ERASE, {"reason": "搬走了"}).status_code == 302
    erasure = ErasureRequest.objects.get()
    assert (erasure.person, erasure.status, erasure.reason) == (
        world.resident,
        ErasureStatus.PENDING,
        "搬走了",
    )
    logged = AuditLog.objects.get(event_type=AuditEvent.ERASURE_REQUESTED)
    assert "搬走了" not in json.dumps([logged.before, logged.after, logged.extra])
    again = client.post(ERASE, {"reason": ""})
    assert again.status_code == 409
    assert ErasureRequest.objects.count() == 1
    assert "正在处理中" in client.get(PAGE).content.decode()


def test_too_long_reason_is_400_and_writes_nothing(world):
    response = world.client("resident").post(ERASE, {"reason": "长" * 201})
    assert response.status_code == 400
    assert not ErasureRequest.objects.exists()
    assert not AuditLog.objects.filter(event_type=AuditEvent.ERASURE_REQUESTED).exists()


# --- carrying it out -------------------------------------------------------------------


def dashboard_figures(world):
    data = world.client("street_officer").get(reverse("dashboards:dashboard")).context["data"]
    return (
        data.totals,
        [f.rate for f in data.figures],
        [(t.level, [(line.key, line.row) for line in t.lines]) for t in data.tables],
        [(line.key, line.row) for line in data.categories],
        [(line.key, line.row) for line in data.trend],
    )


def test_anonymisation_removes_the_person_and_keeps_the_statistics(world):
    build_history(world)
    r = rated_with_comment(world)
    before = dashboard_figures(world)
    requests_before = ServiceRequest.objects.filter(reporter=world.resident).count()
    ratings_before = list(Rating.objects.order_by("pk").values_list("score", "solved"))
    erasure = services.erasure_request_create(
        reason="我是王建国，已搬走", acting_user=world.users["resident"]
    )

    services.erasure_request_carry_out(erasure=erasure, acting_user=world.users["community_staff"])

    person = Person.objects.get(pk=world.resident.pk)
    assert person.name == services.ERASED_NAME
    assert (person.mobile_masked, person.id_number_masked, person.birth_year) == ("", "", None)
    raw = raw_person(person.pk)
    for secret in (ADULT_MOBILE, ADULT_ID, "138****1234", "王建国"):
        assert secret not in raw
    assert person.sensitive_enc == "" and not person.tags.exists()
    user = type(world.users["resident"]).objects.get(pk=world.users["resident"].pk)
    assert not user.is_active and not user.has_usable_password()
    assert user.username == f"erased-{user.pk}"
    r.refresh_from_db()
    assert r.description == services.ERASED_TEXT
    assert "王建国" not in r.search_text
    assert Rating.objects.get(request=r, by=user).comment == services.ERASED_TEXT
    assert not RequestEvent.objects.filter(note__contains="王建国").exists()
    # The statistics are those of before: same rows, same scores, same dashboard.
    assert ServiceRequest.objects.filter(reporter=person).count() == requests_before
    assert list(Rating.objects.order_by("pk").values_list("score", "solved")) == ratings_before
    assert dashboard_figures(world) == before
    erasure.refresh_from_db()
    assert erasure.reason == ""
    assert (erasure.status, erasure.decided_by) == (
        ErasureStatus.DONE,
        world.users["community_staff"],
    )
    done = AuditLog.objects.get(event_type=AuditEvent.ERASURE_DONE)
    assert done.extra["counts"]["requests"] == requests_before
    assert chain_verify(AuditLog).ok


def test_erasure_deletes_the_photos_the_resident_uploaded_not_the_workers(
    world, django_capture_on_commit_callbacks
):
    from redprop.requests.choices import PhotoKind
    from redprop.requests.models import Category, RequestPhoto
    from redprop.web.tests.helpers import jpeg

    r = request_services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description="厨房下水道堵塞",
        unit=world.unit,
        photos=[jpeg()],
    )
    r = request_services.request_dispatch(
        request=r, org=world.company, acting_user=world.users["community_staff"]
    )
    r = request_services.request_accept(request=r, acting_user=world.users["maintenance_worker"])
    request_services.photo_add(
        request=r,
        upload=jpeg(),
        kind=PhotoKind.AFTER,
        acting_user=world.users["maintenance_worker"],
    )
    own = RequestPhoto.objects.get(request=r, uploaded_by=world.users["resident"])
    storage = own.image.storage
    assert storage.exists(own.image.name)
    erasure = services.erasure_request_create(acting_user=world.users["resident"])

    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_request_carry_out(
            erasure=erasure, acting_user=world.users["community_staff"]
        )

    assert not RequestPhoto.objects.filter(pk=own.pk).exists()
    assert not storage.exists(own.image.name)
    kept = RequestPhoto.objects.get(request=r)
    assert kept.uploaded_by == world.users["maintenance_worker"]
    assert storage.exists(kept.image.name)
    done = AuditLog.objects.get(event_type=AuditEvent.ERASURE_DONE)
    assert done.extra["counts"]["photos"] == 1


def test_only_staff_of_the_community_or_sysadmin_decide(world):
    erasure = services.erasure_request_create(acting_user=world.users["resident"])
    with pytest.raises(ApplicationError) as refused:
        services.erasure_request_carry_out(erasure=erasure, acting_user=world.users["street_b"])
    assert refused.value.status == 404
    for role in ("company_staff", "grid_butler", "street_officer", "resident"):
        with pytest.raises(ApplicationError) as refused:
            services.erasure_request_carry_out(erasure=erasure, acting_user=world.users[role])
        assert refused.value.status in (403, 404), role
    assert Person.objects.get(pk=world.resident.pk).name == "王建国"
    services.erasure_request_carry_out(erasure=erasure, acting_user=world.users["sysadmin"])
    assert Person.objects.get(pk=world.resident.pk).name == services.ERASED_NAME


def test_reject_needs_a_reason_and_a_decided_request_stays_decided(world):
    erasure = services.erasure_request_create(acting_user=world.users["resident"])
    staff = world.users["community_staff"]
    with pytest.raises(ApplicationError) as no_note:
        services.erasure_request_reject(erasure=erasure, note=" ", acting_user=staff)
    assert no_note.value.code == "decision_note_required"
    services.erasure_request_reject(erasure=erasure, note="业主名册须依法保存", acting_user=staff)
    with pytest.raises(ApplicationError) as decided:
        services.erasure_request_carry_out(erasure=erasure, acting_user=staff)
    assert decided.value.status == 409
    assert Person.objects.get(pk=world.resident.pk).name == "王建国"
    page = world.client("resident").get(PAGE).content.decode()
    assert "业主名册须依法保存" in page
    # A new request may follow a rejected one.
    services.erasure_request_create(acting_user=world.users["resident"])


def test_admin_action_carries_out_after_confirmation(world):
    erasure = services.erasure_request_create(acting_user=world.users["resident"])
    client = world.client("community_staff")
    url = reverse("admin:privacy_erasurerequest_changelist")
    assert client.get(url).status_code == 200
    form = {"action": "carry_out", "_selected_action": [str(erasure.pk)]}
    confirm = client.post(url, form)
    assert confirm.status_code == 200
    assert Person.objects.get(pk=world.resident.pk).name == "王建国"  # not yet
    done = client.post(url, {**form, "apply": "1"})
    assert done.status_code == 302
    assert Person.objects.get(pk=world.resident.pk).name == services.ERASED_NAME


def test_admin_list_is_closed_to_roles_that_do_not_decide(world):
    services.erasure_request_create(acting_user=world.users["resident"])
    url = reverse("admin:privacy_erasurerequest_changelist")
    for role in ("company_staff", "housing_bureau", "grid_butler"):
        assert world.client(role).get(url).status_code in (302, 403), role


def test_nav_marks_only_my_data_as_current(world):
    """/my/data/ lies inside /my/: the bar highlights 我的数据, not 我的诉求 too."""
    from redprop.web.nav import nav_for

    items = nav_for(world.users["resident"], PAGE)
    assert [i["name"] for i in items if i["active"]] == ["web:my_data"]
    items = nav_for(world.users["resident"], "/my/")
    assert [i["name"] for i in items if i["active"]] == ["web:my_requests"]


def test_party_membership_is_in_the_download_and_goes_with_the_erasure(world):
    """A resident who works for the company and is recorded as a party member: the
    download holds the membership (from the party app's encrypted rows), and carrying
    out the erasure leaves a member row that names nobody."""
    from redprop.orgs.services import org_add_member, party_committee_create
    from redprop.party import services as party

    party_committee_create(community=world.community, name="中共红星社区委员会", acting_user=None)
    org_add_member(org=world.company, person=world.resident, position="管家", acting_user=None)
    party.member_register(
        acting_user=world.users["company_staff"],
        company_id=world.company.pk,
        person_id=world.resident.pk,
        compound_id=world.compound.pk,
    )
    data = services.personal_data_export(acting_user=world.users["resident"])
    assert data["party"]["company"] == world.company.name
    assert data["party_organisation"] == []  # registered by the company, not organised

    erasure = services.erasure_request_create(reason="", acting_user=world.users["resident"])
    services.erasure_request_carry_out(erasure=erasure, acting_user=world.users["community_staff"])
    assert party.member_personal_data(person_id=world.resident.pk) is None
    done = AuditLog.objects.get(event_type=AuditEvent.ERASURE_DONE)
    # The audit record outlives the erasure: it must not tell that they were a member.
    assert not any("party" in key for key in done.extra["counts"])


def test_party_organisation_relation_is_in_the_download_and_goes_with_the_erasure(world):
    """The organisational relation (orgs.PartyMembership, sealed): the download holds
    it in clear for its owner, and the erasure deletes the row."""
    from redprop.orgs.models import PartyMembership
    from redprop.orgs.services import party_committee_create, party_organise_company

    committee = party_committee_create(
        community=world.community, name="中共红星社区委员会", acting_user=None
    )
    party_organise_company(
        company=world.company, members=[world.resident], committee=committee, acting_user=None
    )
    data = services.personal_data_export(acting_user=world.users["resident"])
    (relation,) = data["party_organisation"]
    assert relation["party_org"] == committee.name
    assert relation["work_org"] == world.company.name
    assert relation["name"] == world.resident.name

    erasure = services.erasure_request_create(reason="", acting_user=world.users["resident"])
    services.erasure_request_carry_out(erasure=erasure, acting_user=world.users["community_staff"])
    assert not PartyMembership.objects.exists()
    done = AuditLog.objects.get(event_type=AuditEvent.ERASURE_DONE)
    assert not any("party" in key for key in done.extra["counts"])
