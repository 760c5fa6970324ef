"""A water-cut notice to one building, on a phone: the community's staff publish it
through the page, a resident of that building sees it on their home page and opening
it counts as read; a resident of the next building does not see it.
Screenshots go to e2e/artifacts/notices-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD, build_world
from redprop.notices.models import Notice, NoticeRead
from redprop.people.services import person_create
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "1栋明日停水通知"


def test_water_cut_notice_reaches_one_building(
    live_server: Any, browser: Any, artifacts: Path, outbox_relay: None
) -> None:
    w = build_world()
    neighbour = person_create(name="赵邻居", acting_user=None)
    unit_2 = territory.unit_create(
        building=w.building_2,
        label="2栋1单元101",
        floor_area="80",
        owners=[neighbour],
        acting_user=None,
    )
    territory.occupancy_add(unit=unit_2, person=neighbour, acting_user=None)
    other = user_create(
        username="t_neighbour", password=PASSWORD, person=neighbour, acting_user=None
    )
    role_grant(user=other, role=Role.RESIDENT, person=neighbour, acting_user=None)

    journey = Journey(browser, live_server.url, artifacts)
    staff = journey.open(PHONE, mobile=True)
    journey.login(staff, w.users[Role.COMMUNITY_STAFF].username)
    staff.goto(f"{live_server.url}/n/new/")
    staff.get_by_label("类别").select_option("water_cut")
    staff.get_by_label("标题").fill(TITLE)
    staff.get_by_label("正文").fill("因管道维修，明日 9:00-17:00 停水，请提前储水。")
    staff.get_by_label("发布范围").select_option(f"building:{w.building.pk}")
    journey.shoot(staff, "notices-1-new")
    staff.get_by_role("button", name="提交").click()
    staff.wait_for_load_state("networkidle")
    notice = Notice.objects.get(title=TITLE)
    assert notice.status == "published"
    assert staff.url.endswith(f"/n/{notice.pk}/")
    assert "【停水通知】" in staff.locator("#share-text").input_value()
    journey.shoot(staff, "notices-2-published")

    resident = journey.open(PHONE, mobile=True)
    journey.login(resident, w.users[Role.RESIDENT].username)
    card = resident.locator(f"[data-notice='{notice.pk}']")
    card.wait_for()
    assert "未读" in card.inner_text()
    journey.shoot(resident, "notices-3-home")
    card.click()
    resident.wait_for_load_state("networkidle")
    assert TITLE in resident.locator("h1").inner_text()
    assert NoticeRead.objects.filter(notice=notice, user=w.users[Role.RESIDENT]).count() == 1
    journey.shoot(resident, "notices-4-read")
    resident.goto(f"{live_server.url}/my/")
    assert "未读" not in resident.locator(f"[data-notice='{notice.pk}']").inner_text()

    neighbour_page = journey.open(PHONE, mobile=True)
    journey.login(neighbour_page, "t_neighbour")
    neighbour_page.goto(f"{live_server.url}/n/")
    assert TITLE not in neighbour_page.content()
    assert NoticeRead.objects.filter(notice=notice).count() == 1
    assert journey.foreign == []
