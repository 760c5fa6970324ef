"""轮值坐班 and 交接班 in a real browser on a phone: the community cadre on duty today
finds 我的排班 from the nav, writes the hand-over (an empty note first), the next one
on the rota acknowledges it from 待我接班, and a resident sees 今日值班 on their home.
Screenshots go to e2e/artifacts/duty-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD, build_world
from redprop.duty import services
from redprop.duty.models import HandOver
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org

pytestmark = pytest.mark.django_db(transaction=True)


def test_rota_hand_over_and_today_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    second = user_create(
        username="cadre_li", password=PASSWORD, display_name="李红梅", acting_user=None
    )
    role_grant(user=second, role=Role.COMMUNITY_STAFF, region=world.community, acting_user=None)
    second = User.objects.get(pk=second.pk)
    desk = world.users[Role.COMMUNITY_STAFF]
    desk.display_name = "张卫国"
    desk.save(update_fields=["display_name"])
    today = timezone.localdate()
    # Daily over the whole week from this Monday: today's slot is its weekday.
    on_today, incoming = (desk, second) if today.weekday() % 2 == 0 else (second, desk)
    services.rota_create(
        org=Org.objects.get(kind=OrgKind.RESIDENTS_COMMITTEE, community=world.community),
        community=world.community,
        office="径河红色物业服务站",
        members=[on_today, incoming],
        mode="daily",
        weekdays=127,
        day_rule="all",
        starts_at=dt.time(0),
        ends_at=dt.time(23, 59),
        effective_from=today - dt.timedelta(days=today.weekday()),
        acting_user=desk,
    )
    journey = Journey(browser, live_server.url, artifacts)

    # The cadre on duty: 更多 → 我的排班 → 交接班.
    out = journey.open(PHONE, mobile=True)
    journey.login(out, on_today.username)
    out.locator(".mainnav").get_by_role("link", name="更多").click()
    out.locator(".more-tiles").get_by_role("link", name="我的排班").click()
    out.wait_for_load_state("networkidle")
    assert "值班中" in out.content()
    assert "径河红色物业服务站" in out.content()
    journey.check_page(out)
    journey.shoot(out, "duty-1-mine")
    out.get_by_role("link", name="交接班").first.click()
    out.wait_for_load_state("networkidle")
    journey.check_page(out)
    # A note of blanks is refused on its field, nothing written.
    out.get_by_label("交班说明（必填）").fill("   ")
    out.evaluate("document.querySelector('#id_note').removeAttribute('required')")
    out.get_by_role("button", name="提交交班").click()
    out.wait_for_load_state("networkidle")
    assert out.locator(".has-error").count() == 1
    assert not HandOver.objects.exists()
    out.get_by_label("交班说明（必填）").fill("2 栋楼道灯已报修；独居老人李阿姨明天上午需电话回访")
    out.get_by_role("button", name="提交交班").click()
    out.wait_for_load_state("networkidle")
    assert "等待" in out.content()
    assert str(incoming) in out.content()
    handover = HandOver.objects.get()
    journey.shoot(out, "duty-2-handed-over")

    # The next one on the rota: 待我接班 on 我的排班, then 确认接班.
    nxt = journey.open(PHONE, mobile=True)
    journey.login(nxt, incoming.username)
    nxt.goto(f"{live_server.url}/duty/")
    nxt.locator(f"a[data-handover='{handover.pk}']").click()
    nxt.wait_for_load_state("networkidle")
    assert "2 栋楼道灯已报修" in nxt.content()
    nxt.get_by_label("接班说明（选填）").fill("收到，明早回访")
    nxt.locator("button[data-action='acknowledge']").click()
    nxt.wait_for_load_state("networkidle")
    handover.refresh_from_db()
    assert handover.status == "acknowledged"
    assert "已接班" in nxt.content()
    journey.shoot(nxt, "duty-3-acknowledged")
    # The writer cannot acknowledge it (no button; a forged post is refused).
    out.goto(f"{live_server.url}/duty/handover/{handover.pk}/")
    assert out.locator("button[data-action='acknowledge']").count() == 0

    # A resident of the community: 今日值班 on the home page.
    resident = journey.open(PHONE, mobile=True)
    journey.login(resident, world.users[Role.RESIDENT].username)
    block = resident.locator("[data-duty-today]")
    assert block.is_visible()
    assert str(on_today) in block.inner_text()
    assert "径河红色物业服务站" in block.inner_text()
    journey.shoot(resident, "duty-4-resident-today")
