"""服务清单与双向认领 in a real browser on a phone: grid A's butler posts a need (an old
man living alone needs weekly visits) from the "上报需求" form; the co-building unit
(the water company, by its 共建协议 with the community) finds it on the list filtered
to needs and 一老, claims it, starts and completes it with a note and a photo; the
butler sees it done with the evidence. Screenshots go to e2e/artifacts/service-lists-*.png."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.conftest import build_world
from redprop.orgs.services import agreement_create
from redprop.service_lists.models import ServiceItem

pytestmark = pytest.mark.django_db(transaction=True)


def _photo(tmp: Path) -> Path:
    from PIL import Image

    path = tmp / "visit.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_need_claimed_by_a_cobuilding_unit_and_completed_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    world = build_world()
    agreement_create(
        org=world.water,
        community=world.community,
        title="红星社区与自来水公司共驻共建协议",
        signed_on=timezone.localdate() - dt.timedelta(days=30),
        acting_user=None,
    )
    journey = Journey(browser, live_server.url, artifacts)

    # The grid butler posts the need from the list's "上报需求".
    butler = journey.open(PHONE, mobile=True)
    journey.login(butler, world.users["grid_butler"].username)
    butler.goto(f"{live_server.url}/services/")
    butler.get_by_role("link", name="上报需求").click()
    butler.wait_for_load_state("networkidle")
    butler.get_by_label("事项").fill("独居老人每周上门探访")
    butler.get_by_text("慰民心").click()
    butler.get_by_label("一老一小").select_option("elderly_alone")
    butler.get_by_label("所在社区/小区").select_option(f"c:{world.compound.pk}")
    butler.get_by_role("button", name="发布").click()
    butler.wait_for_load_state("networkidle")
    assert "已发布到服务清单" in butler.content()
    item = ServiceItem.objects.get()
    journey.shoot(butler, "service-lists-1-posted")

    # The co-building unit: the list filtered to needs for 一老, then the item.
    unit = journey.open(PHONE, mobile=True)
    journey.login(unit, world.users["unit_staff"].username)
    unit.goto(f"{live_server.url}/services/")
    unit.get_by_label("清单").select_option("need")
    unit.get_by_label("一老一小").select_option("old")
    unit.get_by_role("button", name="筛选").click()
    unit.wait_for_load_state("networkidle")
    assert "一位独居老人" in unit.content()
    journey.shoot(unit, "service-lists-2-list")
    unit.get_by_role("link", name="独居老人每周上门探访").click()
    unit.wait_for_load_state("networkidle")
    unit.get_by_role("button", name="认领").click()
    unit.wait_for_load_state("networkidle")
    assert "认领成功" in unit.content()
    unit.get_by_role("button", name="开始服务").click()
    unit.wait_for_load_state("networkidle")
    unit.get_by_label("完成情况").fill("已上门探访，老人身体良好，帮助更换了灯泡")
    unit.locator("#complete-photos").set_input_files(str(_photo(tmp_path)))
    unit.get_by_role("button", name="完成服务").click()
    unit.wait_for_load_state("networkidle")
    assert "服务已完成" in unit.content()
    journey.shoot(unit, "service-lists-3-done")

    item.refresh_from_db()
    assert item.status == "done"
    assert item.claimed_org_id == world.water.pk
    assert item.photos.count() == 1

    # The butler sees it done, with the evidence.
    butler.goto(f"{live_server.url}/services/i/{item.pk}/")
    assert "已完成" in butler.content()
    assert "帮助更换了灯泡" in butler.content()
    assert butler.locator(".thumbs img").count() == 1
