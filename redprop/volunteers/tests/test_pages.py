"""The phone pages: list, detail with sign-up and its QR code, the scan page, the
organiser's desk, my record and its PDF certificate, the counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.volunteers.choices import HoursStatus, SignupStatus
from redprop.volunteers.models import HoursRecord, Signup
from redprop.volunteers.tests.helpers import volunteer_world

pytestmark = pytest.mark.django_db


def _is_svg(response) -> None:
    """The QR image is an SVG made on the server (segno), never cached."""
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "no-store"
    assert b"<svg" in response.content


def test_resident_journey_on_pages(world):
    from redprop.volunteers import services as vs

    vw = volunteer_world(world)
    a = vw["activity"]
    res, org = world.client(Role.RESIDENT), world.client(Role.COMMUNITY_STAFF)
    page = res.get(reverse("volunteers:list"))
    assert page.status_code == 200
    assert a.title in page.content.decode()
    detail = res.get(reverse("volunteers:detail", args=[a.pk]))
    assert 'data-action="signup"' in detail.content.decode()
    r = res.post(reverse("volunteers:signup", args=[a.pk]))
    assert r.status_code == 302
    assert Signup.objects.filter(activity=a, status=SignupStatus.SIGNED).count() == 1
    detail = res.get(reverse("volunteers:detail", args=[a.pk])).content.decode()
    assert 'data-mine="signed"' in detail
    assert reverse("volunteers:qr", args=[a.pk]) in detail
    _is_svg(res.get(reverse("volunteers:qr", args=[a.pk])))
    # The activity's code, as the organiser's desk shows it, opens the scan page.
    desk = org.get(reverse("volunteers:desk", args=[a.pk]))
    assert desk.status_code == 200
    _is_svg(org.get(reverse("volunteers:qr", args=[a.pk])))
    token = vs.activity_token(a)
    scan = reverse("volunteers:scan", args=[token])
    assert 'data-action="checkin"' in res.get(scan).content.decode()
    assert "data-done" in res.post(scan, {"direction": "checkin"}).content.decode()
    out = res.post(scan, {"direction": "checkout"})
    assert out.status_code == 200 and "data-done" in out.content.decode()
    record = HoursRecord.objects.get()
    assert record.status == HoursStatus.PENDING
    # The volunteer cannot approve; the organiser does, from the desk.
    approve = reverse("volunteers:hours_step", args=[a.pk, record.pk, "approve"])
    assert res.post(approve).status_code == 403
    assert (
        f'data-hours="{record.pk}"'
        in org.get(reverse("volunteers:desk", args=[a.pk])).content.decode()
    )
    assert org.post(approve).status_code == 302
    record.refresh_from_db()
    assert record.status == HoursStatus.APPROVED
    me = res.get(reverse("volunteers:me")).content.decode()
    assert f"已认定 {record.hours} 小时" in me
    pdf = res.get(reverse("volunteers:certificate"))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_bad_direction_and_forged_token(world):
    vw = volunteer_world(world)
    a = vw["activity"]
    res = world.client(Role.RESIDENT)
    r = res.get(reverse("volunteers:scan", args=["forged:token"]))
    assert r.status_code == 400
    from redprop.volunteers import services as vs

    scan = reverse("volunteers:scan", args=[vs.activity_token(a)])
    res.post(reverse("volunteers:signup", args=[a.pk]))
    r = res.post(scan, {"direction": "sideways"})
    assert r.status_code == 400
    assert Signup.objects.get().checked_in_at is None


def test_resident_cannot_open_desk_or_step(world):
    vw = volunteer_world(world)
    a = vw["activity"]
    res = world.client(Role.RESIDENT)
    assert res.get(reverse("volunteers:desk", args=[a.pk])).status_code == 403
    assert res.post(reverse("volunteers:step", args=[a.pk, "start"])).status_code == 403
    assert res.get(reverse("volunteers:counts")).status_code == 403
    a.refresh_from_db()
    assert a.status == "published"


def test_staff_creates_publishes_and_bulk_approves(world):
    vw = volunteer_world(world)
    team = vw["team"]
    org = world.client(Role.COMMUNITY_STAFF)
    bad = org.post(
        reverse("volunteers:new"),
        {"team": team.pk, "title": "", "place": "广场", "starts_at": "", "ends_at": ""},
    )
    assert bad.status_code == 400
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = org.post(
        reverse("volunteers:new"),
        {
            "team": team.pk,
            "title": "敬老院义剪",
            "place": "社区敬老院",
            "starts_at": f"{day}T09:00",
            "ends_at": f"{day}T11:00",
            "capacity": "8",
            "skills": ["haircut"],
        },
    )
    assert r.status_code == 302
    pk = int(re.search(r"/volunteers/(\d+)/", r["Location"]).group(1))
    assert org.post(reverse("volunteers:step", args=[pk, "publish"])).status_code == 302
    detail = org.get(reverse("volunteers:detail", args=[pk])).content.decode()
    assert "报名中" in detail
    counts = org.get(reverse("volunteers:counts"))
    assert counts.status_code == 200
    assert world.community.name in counts.content.decode()


def test_approve_all_from_desk(world):
    from redprop.volunteers import services as vs

    vw = volunteer_world(world)
    a = vw["activity"]
    res, org = world.client(Role.RESIDENT), world.client(Role.COMMUNITY_STAFF)
    res.post(reverse("volunteers:signup", args=[a.pk]))
    s = Signup.objects.get()
    vs.checkin(activity_id=a.pk, signup=s, acting_user=vw["staff"])
    r = org.post(reverse("volunteers:credit", args=[a.pk, s.pk]), {"hours": "1.5"})
    assert r.status_code == 302
    assert HoursRecord.objects.get().hours == 1.5
    assert org.post(reverse("volunteers:approve_all", args=[a.pk])).status_code == 302
    assert HoursRecord.objects.get().status == HoursStatus.APPROVED


def test_certificate_needs_a_volunteer(world):
    res = world.client(Role.RESIDENT)
    assert res.get(reverse("volunteers:certificate")).status_code == 404
    page = res.get(reverse("volunteers:list")).content.decode()
    assert 'data-action="join"' in page


def test_sysadmin_reaches_every_activity(world):
    """The administrator's scope is Q() (everything): OR-ing it with the organiser's
    conditions once dropped it, and the administrator saw nothing."""
    vw = volunteer_world(world)
    a = vw["activity"]
    admin = world.client(Role.SYSADMIN)
    assert admin.get(reverse("volunteers:detail", args=[a.pk])).status_code == 200
    assert admin.get(reverse("volunteers:desk", args=[a.pk])).status_code == 200
    listed = admin.get("/api/v1/volunteers/teams").json()
    assert [t["id"] for t in listed] == [vw["team"].pk]


def _pending_records(world, vw, n: int) -> list:
    """``n`` more residents of community A, each signed up, checked in and credited."""
    from redprop.people.models import Person
    from redprop.volunteers import services as vs

    a, staff = vw["activity"], vw["staff"]
    resident = world.users[Role.RESIDENT]
    template = Person.objects.get(pk=resident.person_id)
    records = []
    for i in range(n):
        person = Person.objects.create(
            name=f"志愿者{i}", community_id=template.community_id, street_id=template.street_id
        )
        vol = vs.volunteer_register(
            person_id=person.pk, community_id=a.community_id, skills=[], acting_user=staff
        )
        s = Signup.objects.create(activity=a, volunteer=vol)
        vs.checkin(activity_id=a.pk, signup=s, acting_user=staff)
        records.append(vs.hours_credit(signup_id=s.pk, acting_user=staff))
    return records


def test_desk_queries_do_not_grow_with_the_pending_hours(world, django_assert_max_num_queries):
    vw = volunteer_world(world)
    a = vw["activity"]
    org = world.client(Role.COMMUNITY_STAFF)
    _pending_records(world, vw, 2)
    org.get(reverse("volunteers:desk", args=[a.pk]))  # warm the session and caches
    with django_assert_max_num_queries(40) as few:
        assert org.get(reverse("volunteers:desk", args=[a.pk])).status_code == 200
    _pending_records(world, vw, 8)
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        page = org.get(reverse("volunteers:desk", args=[a.pk])).content.decode()
    assert page.count('data-action="approve"') == 10


def test_cancel_and_reject_need_a_reason(world):
    vw = volunteer_world(world)
    a = vw["activity"]
    res, org = world.client(Role.RESIDENT), world.client(Role.COMMUNITY_STAFF)
    res.post(reverse("volunteers:signup", args=[a.pk]))
    from redprop.volunteers import services as vs

    s = Signup.objects.get()
    vs.checkin(activity_id=a.pk, signup=s, acting_user=vw["staff"])
    vs.checkout(activity_id=a.pk, signup=s, acting_user=vw["staff"])
    record = HoursRecord.objects.get()
    reject = reverse("volunteers:hours_step", args=[a.pk, record.pk, "reject"])
    r = org.post(reject, {"reason": ""}, follow=True)
    assert "请填写原因" in r.content.decode()
    record.refresh_from_db()
    assert record.status == HoursStatus.PENDING
    org.post(reject, {"reason": "未在现场"})
    record.refresh_from_db()
    assert (record.status, record.reason) == (HoursStatus.REJECTED, "未在现场")
    me = res.get(reverse("volunteers:me")).content.decode()
    assert "未在现场" in me and "已认定 0.00 小时" in me
    # A checked-in volunteer cannot withdraw; an activity under way cannot be cancelled.
    r = res.post(reverse("volunteers:withdraw", args=[a.pk]), follow=True)
    assert "已签到，不能取消报名" in r.content.decode()
    assert org.post(reverse("volunteers:step", args=[a.pk, "start"])).status_code == 302
    r = org.post(reverse("volunteers:step", args=[a.pk, "cancel"]), {"reason": "下雨"})
    a.refresh_from_db()
    assert a.status == "ongoing"
