"""我的数据 in a real browser: a resident on a phone downloads their own data and asks
for its deletion. Screenshots go to e2e/artifacts/my-data-*.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.conftest import ADULT_ID, build_world
from redprop.people.models import PiiAccessLog
from redprop.privacy.models import ErasureRequest

pytestmark = pytest.mark.django_db(transaction=True)


def test_resident_downloads_their_data_and_asks_for_deletion(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    journey = Journey(browser, live_server.url, artifacts)
    phone = journey.open(PHONE, mobile=True)
    journey.login(phone, world.users["resident"].username)

    # On the phone 我的数据 is behind 更多 (the bottom bar holds four daily pages).
    assert not phone.locator(".mainnav").get_by_role("link", name="我的数据").is_visible()
    phone.locator(".mainnav").get_by_role("link", name="更多").click()
    phone.locator(".more-tiles").get_by_role("link", name="我的数据").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url.endswith("/my/data/")
    assert "138****1234" in phone.content()
    journey.shoot(phone, "my-data-1-page")

    with phone.expect_download() as info:
        phone.get_by_role("button", name="下载我的数据（JSON）").click()
    data = json.loads(Path(info.value.path()).read_text(encoding="utf-8"))
    assert data["person"]["id_number"] == ADULT_ID
    # ID number, mobile, birth date, sensitive tags, and party membership: the last is
    # logged on every download, member or not, so the log tells nobody apart.
    logged = set(PiiAccessLog.objects.filter(context="self_export").values_list("field", flat=True))
    assert logged == {"id_number", "mobile", "birth_date", "sensitive_tags", "party_membership"}

    phone.get_by_label("说明（可不填）").fill("已搬离本小区")
    phone.get_by_role("button", name="提交删除申请").click()
    phone.wait_for_load_state("networkidle")
    assert "您的删除申请正在处理中" in phone.content()
    journey.shoot(phone, "my-data-2-requested")
    assert ErasureRequest.objects.get().reason == "已搬离本小区"
    assert journey.foreign == []
