"""Mediation in a real browser on a phone: the desk turns a resident's request into a
mediation case (转调解), accepts it, records two sessions and the agreement; the resident
sees their own case and rates it. Screenshots go to e2e/artifacts/mediation-*.png."""

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
from redprop.mediation.models import Case
from redprop.people.models import PiiAccessLog
from redprop.requests import services as rs
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db(transaction=True)


def _minute_ahead(minutes: int) -> str:
    t = timezone.localtime() + dt.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M")


def test_request_to_case_to_sessions_to_agreement_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    request = rs.request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="seepage"),
        description="楼上卫生间漏水到我家天花板，协商不成",
        unit=world.unit,
    )
    journey = Journey(browser, live_server.url, artifacts)
    desk = journey.open(PHONE, mobile=True)
    journey.login(desk, world.users[Role.COMMUNITY_STAFF].username)

    desk.goto(f"{live_server.url}/r/{request.pk}/")
    desk.get_by_role("button", name="转调解（立案）").click()
    desk.wait_for_load_state("networkidle")
    case = Case.objects.get()
    assert desk.url.endswith(f"/mediation/{case.pk}/")
    assert "本次查阅已记录" in desk.content()
    journey.shoot(desk, "mediation-1-case")

    desk.locator(".action-accept button[type=submit]").click()
    desk.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == "accepted"

    for n, (notes, ahead) in enumerate(
        (("双方陈述，物业同意查勘", 2), ("查勘确认公共管道渗漏", 3))
    ):
        desk.locator("details:has(form.action-session)").evaluate("d => { d.open = true; }")
        form = desk.locator("form.action-session")
        form.locator("input[name='session-held_at']").fill(_minute_ahead(ahead))
        form.get_by_label("地点").fill("红色物业议事厅")
        form.get_by_label("参加人员").fill("王建国；物业项目经理；社区调解员")
        form.get_by_label("调解记录").fill(notes)
        form.get_by_role("button", name="保存调解记录").click()
        desk.wait_for_load_state("networkidle")
        assert case.sessions.count() == n + 1, desk.content()[:3000]
    journey.shoot(desk, "mediation-2-sessions")

    desk.locator("details:has(form.action-agree)").evaluate("d => { d.open = true; }")
    form = desk.locator("form.action-agree")
    form.get_by_label("协议内容").fill("物业公司十五日内修复公共管道，并赔偿吊顶损失 800 元。")
    form.locator("input[name='agree-follow_up_on']").fill(
        (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    )
    form.get_by_role("button", name="保存协议").click()
    desk.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.status == "agreed"
    assert "800 元" in case.agreement_text
    assert "800 元" in desk.content()
    journey.shoot(desk, "mediation-3-agreement")
    assert PiiAccessLog.objects.filter(field="case_file").count() >= 4  # each page read

    # The resident's view of their own case: the agreement, no session notes.
    resident = journey.open(PHONE, mobile=True)
    journey.login(resident, world.users[Role.RESIDENT].username)
    resident.goto(f"{live_server.url}/mediation/{case.pk}/")
    page = resident.content()
    assert "800 元" in page
    assert "查勘确认公共管道渗漏" not in page
    resident.get_by_text("非常满意").first.click()
    resident.get_by_role("button", name="提交评价").click()
    resident.wait_for_load_state("networkidle")
    assert case.parties.get(side="applicant").satisfaction == 5
    assert "提交评价" not in resident.content()  # rated once
    journey.shoot(resident, "mediation-4-party")
    assert journey.foreign == []
