"""志愿服务 in a real browser on a phone: the community worker announces a clean-up, a
resident registers as a volunteer and signs up, checks in and out by the activity's QR
code, the organiser approves the hours on the desk, and the hours are on the
volunteer's record and certificate. Screenshots go to e2e/artifacts/volunteers-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.volunteers import services
from redprop.volunteers.choices import HoursStatus, TeamKind
from redprop.volunteers.defaults import install_default_skills
from redprop.volunteers.models import Activity, HoursRecord, Signup, Skill

pytestmark = pytest.mark.django_db(transaction=True)


def test_announcement_to_certificate_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    install_default_skills(Skill)
    staff = world.users[Role.COMMUNITY_STAFF]
    services.team_create(
        community_id=world.community.pk,
        name="红星社区居民服务联盟",
        kind=TeamKind.ALLIANCE,
        acting_user=staff,
    )
    journey = Journey(browser, live_server.url, artifacts)

    # The organiser announces a clean-up that began an hour and a half ago (so the
    # volunteer's check-in counts: hours run from the start) and publishes it.
    org = journey.open(PHONE, mobile=True)
    journey.login(org, staff.username)
    org.goto(f"{live_server.url}/volunteers/")
    org.get_by_text("发布志愿活动").click()
    start = timezone.localtime() - dt.timedelta(minutes=90)
    org.get_by_label("活动名称").fill("每周环境清扫")
    org.get_by_label("地点").fill("幸福小区中心广场")
    org.get_by_label("开始时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    org.get_by_label("结束时间").fill((start + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    org.get_by_label("招募人数").fill("20")
    org.locator("button[data-action=create]").click()
    org.wait_for_load_state("networkidle")
    activity = Activity.objects.get(title="每周环境清扫")
    assert activity.status == "draft"
    org.locator("button[data-step=publish]").click()
    org.wait_for_load_state("networkidle")
    activity.refresh_from_db()
    assert activity.status == "published"
    journey.shoot(org, "volunteers-announced")

    # The resident registers as a volunteer, finds the activity and signs up.
    res = journey.open(PHONE, mobile=True)
    journey.login(res, world.users[Role.RESIDENT].username)
    res.goto(f"{live_server.url}/volunteers/")
    res.get_by_label("缝补衣物").check()
    res.locator("button[data-action=join]").click()
    res.wait_for_load_state("networkidle")
    res.locator(f"a[data-activity='{activity.pk}']").click()
    res.wait_for_load_state("networkidle")
    res.locator("button[data-action=signup]").click()
    res.wait_for_load_state("networkidle")
    assert res.locator("[data-mine=signed]").is_visible()
    assert res.locator("img.qr").is_visible()  # the volunteer's own code, for the organiser
    journey.shoot(res, "volunteers-signed-up")

    # The organiser's desk shows the activity's code; the resident's phone opens it.
    org.goto(f"{live_server.url}/volunteers/{activity.pk}/desk/")
    assert org.locator("img.qr").is_visible()
    token = org.request.get(
        f"{live_server.url}/api/v1/volunteers/activities/{activity.pk}/token"
    ).json()["token"]
    scan = f"{live_server.url}/volunteers/scan/{token}/"
    res.goto(scan)
    res.locator("button[data-action=checkin]").click()
    res.wait_for_load_state("networkidle")
    assert res.locator("[data-done]").is_visible()
    signup = Signup.objects.get(activity=activity)
    assert signup.checked_in_at is not None
    # The volunteer served 90 minutes: the clock is moved, not waited for.
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=activity.starts_at)

    res.goto(scan)
    res.locator("button[data-action=checkout]").click()
    res.wait_for_load_state("networkidle")
    assert res.locator("[data-done]").is_visible()
    record = HoursRecord.objects.get(signup=signup)
    assert record.status == HoursStatus.PENDING
    assert record.hours >= 1  # at least the 90 minutes' whole quarters

    # The organiser approves the hours on the desk.
    org.goto(f"{live_server.url}/volunteers/{activity.pk}/desk/")
    org.locator(f"li[data-hours='{record.pk}'] button[data-action=approve]").click()
    org.wait_for_load_state("networkidle")
    record.refresh_from_db()
    assert record.status == HoursStatus.APPROVED
    journey.shoot(org, "volunteers-desk")

    # The hours are on the volunteer's record and on the printable certificate.
    res.goto(f"{live_server.url}/volunteers/me/")
    approved = res.locator("[data-approved]").inner_text()
    assert str(record.hours) in approved
    journey.shoot(res, "volunteers-record")
    href = res.locator("a[data-action=certificate]").get_attribute("href")
    pdf = res.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert journey.foreign == [], "requests outside the site: " + ", ".join(journey.foreign)
