"""议事协商 on a phone: a resident raises an issue → the convener puts it on the next
逢四说事 agenda → the resident checks in with the meeting's signed link → minutes with
a resolution → the minutes are published (PDF). Screenshots go to e2e/artifacts/."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.meetings import services as ms
from redprop.meetings.models import Meeting, Resolution
from redprop.votes.models import Vote

pytestmark = pytest.mark.django_db(transaction=True)


def test_issue_to_agenda_checkin_minutes(live_server: Any, browser: Any, artifacts: Any) -> None:
    w = build_world()
    desk_user = w.users[Role.COMMUNITY_STAFF]
    ms.series_create(
        community=w.community,
        name="红星社区逢四说事",
        convener=desk_user,
        acting_user=desk_user,
        starts_on=dt.date.today() - dt.timedelta(days=30),  # noqa: DTZ011
        invited_orgs=[w.company],
    )
    j = Journey(browser, live_server.url, artifacts)

    # --- the resident raises an issue on the phone ---------------------------------------
    phone = j.open(PHONE, mobile=True)
    j.login(phone, "t_resident")
    phone.goto(f"{live_server.url}/meetings/")
    j.shoot(phone, "m01-resident-meetings")
    phone.get_by_role("link", name="我要提议题").click()
    phone.wait_for_url("**/meetings/issues/new/")
    phone.get_by_label("社区或小区").select_option(label="幸福小区")
    phone.get_by_label("议题", exact=True).fill("南门道闸经常抬不起来")
    phone.get_by_label("具体情况").fill("外来车辆随意进出，晚上不安全")
    j.shoot(phone, "m02-raise-issue")
    phone.get_by_role("button", name="提交议题").click()
    phone.wait_for_url("**/meetings/")
    assert phone.get_by_text("社区将安排上会").is_visible()
    assert phone.get_by_text("南门道闸经常抬不起来", exact=True).is_visible()

    # --- the convener prepares the next 逢四说事 on a phone --------------------------------
    conv = j.open(PHONE, mobile=True)
    j.login(conv, "t_community_staff")
    conv.goto(f"{live_server.url}/meetings/")
    conv.get_by_role("button", name="准备下次会议").click()
    conv.wait_for_url("**/meetings/*/")
    conv.get_by_role("button", name="从收集的议题生成议程").click()
    item = conv.locator(".agenda-item").first
    assert "南门道闸经常抬不起来" in item.inner_text()
    assert "王建国" in item.inner_text()  # who raised it
    j.shoot(conv, "m03-agenda")
    conv.get_by_role("button", name="发布议程并通知").click()
    conv.get_by_role("button", name="开始会议（开放签到）").click()
    qr = conv.locator("img.qr")
    qr.wait_for()
    # The code is an image the page loads (an SVG made by segno): wait until it is drawn.
    conv.wait_for_function(
        "() => { const i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 0; }"
    )
    j.shoot(conv, "m04-checkin-qr")
    meeting = Meeting.objects.get()
    assert meeting.status == "in_progress"

    # --- the resident scans the code (the signed link it encodes) ------------------------
    phone.goto(f"{live_server.url}/meetings/checkin/{ms.checkin_token(meeting)}/")
    phone.get_by_role("button", name="确认签到").click()
    assert phone.get_by_text("签到成功").is_visible()
    j.shoot(phone, "m05-checked-in")
    # A forged link is refused.
    phone.goto(f"{live_server.url}/meetings/checkin/{meeting.pk}.1:forged:sig/")
    assert phone.get_by_text("签到二维码无效").is_visible()

    # --- minutes with a resolution ---------------------------------------------------------
    conv.reload()
    assert "1" in conv.locator("#attendance").inner_text()
    conv.get_by_text("记录纪要").first.click()
    form = conv.locator("form.resolution-form").first
    form.get_by_label("决议").fill("物业公司一周内更换南门道闸电机，社区跟踪督办")
    form.get_by_label("责任单位").select_option(label="径河红色物业")
    from redprop.meetings.recurrence import zone

    held_on = meeting.starts_at.astimezone(zone()).date()
    deadline = (held_on + dt.timedelta(days=7)).isoformat()
    form.get_by_label("完成时限").fill(deadline)
    j.shoot(conv, "m06-minutes")
    form.get_by_role("button", name="形成决议").click()
    assert conv.get_by_text("决议已记录").is_visible()
    assert conv.get_by_text("物业公司一周内更换南门道闸电机").first.is_visible()
    conv.get_by_role("button", name="结束会议").click()
    conv.get_by_role("button", name="发布会议纪要").click()
    assert conv.locator(".meeting-head .badge").inner_text() == "纪要已发布"
    j.shoot(conv, "m07-minutes-published")
    res = Resolution.objects.get()
    assert res.responsible_org_id == w.company.pk
    assert res.status == "adopted"
    pdf = conv.request.get(f"{live_server.url}/meetings/{meeting.pk}/minutes.pdf")
    assert pdf.ok
    assert pdf.body().startswith(b"%PDF")

    # --- the resolution goes to the owners: a vote (Civil Code art. 278) ------------------
    conv.locator("summary", has_text="发起业主表决").first.click()
    launch = conv.locator("form:has(button[data-action='launch-vote'])").first
    launch.get_by_label("表决事项（民法典第二百七十八条）").select_option(value="9")
    launch.get_by_label("表决标题").fill("南门道闸改造方案")
    launch.locator("button[data-action='launch-vote']").click()
    assert conv.get_by_text("已发起业主表决").is_visible()
    vote = Vote.objects.get()
    assert vote.origin.startswith(f"/meetings/{meeting.pk}/")
    j.shoot(conv, "m08-vote-launched")

    # --- the owner votes on the phone -------------------------------------------------------
    phone.goto(f"{live_server.url}/votes/{vote.pk}/")
    phone.get_by_label("同意").check()
    phone.get_by_role("button", name="提交投票").click()
    phone.wait_for_load_state("networkidle")
    assert "同意" in phone.locator('[data-test="current"]').inner_text()
    j.shoot(phone, "m09-owner-voted")

    # --- the result is published, and the resolution shows it -------------------------------
    conv.goto(f"{live_server.url}/votes/{vote.pk}/")
    conv.locator('[data-test="do-close"]').click()
    conv.wait_for_load_state("networkidle")
    conv.locator('[data-test="do-publish"]').click()
    conv.wait_for_load_state("networkidle")
    assert conv.locator('[data-test="state"]').inner_text() == "已公布"
    public = j.open(PHONE, mobile=True)
    public.goto(f"{live_server.url}/votes/{vote.pk}/result/")
    assert "表决通过" in public.content()  # the one owner took part and agreed
    conv.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    assert "表决通过" in conv.locator("[data-followup='vote']").inner_text()
    j.shoot(conv, "m10-result-on-the-resolution")
    assert j.foreign == []
