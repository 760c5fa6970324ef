"""业主表决 in a real browser on a phone: the owner opens the open vote, casts a ballot,
changes it; staff close and publish; the public result shows the tallies, not who
voted how. Screenshots go to e2e/artifacts/votes-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.votes import services
from redprop.votes.models import Ballot, Vote
from redprop.votes.tests.helpers import build_place

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_votes_on_the_phone_staff_publish(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    place = build_place(world)
    staff = world.users[Role.COMMUNITY_STAFF]
    vote = services.open_vote(
        staff, scope=place.compound, item=6, title="筹集专项维修资金（屋面防水）"
    )
    journey = Journey(browser, live_server.url, artifacts)

    # The owner (王五, two units: one head) votes from the phone, then changes it.
    phone = journey.open(PHONE, mobile=True)
    journey.login(phone, place.users["wang"].username)
    phone.goto(f"{live_server.url}/votes/")
    phone.get_by_role("link", name="筹集专项维修资金（屋面防水）").click()
    phone.wait_for_load_state("networkidle")
    assert "1栋 102" in phone.content()
    assert "2栋 201" in phone.content()
    journey.shoot(phone, "votes-1-open")
    phone.get_by_label("同意").check()
    phone.get_by_role("button", name="提交投票").click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator('[data-test="current"]').inner_text().find("同意") >= 0
    phone.get_by_label("反对").check()
    phone.get_by_role("button", name="修改投票").click()
    phone.wait_for_load_state("networkidle")
    assert "反对" in phone.locator('[data-test="current"]').inner_text()
    journey.shoot(phone, "votes-2-changed")
    assert list(
        Ballot.objects.filter(vote=vote).order_by("id").values_list("choice", flat=True)
    ) == [
        "agree",
        "disagree",
    ]

    # Staff close and publish from their phone.
    desk = journey.open(PHONE, mobile=True)
    journey.login(desk, staff.username)
    desk.goto(f"{live_server.url}/votes/{vote.pk}/")
    assert desk.locator('[data-test="returned"]').inner_text() == "1"
    desk.locator('[data-test="do-close"]').click()
    desk.wait_for_load_state("networkidle")
    assert desk.locator('[data-test="state"]').inner_text() == "已截止"
    desk.locator('[data-test="do-publish"]').click()
    desk.wait_for_load_state("networkidle")
    assert desk.locator('[data-test="state"]').inner_text() == "已公布"
    journey.shoot(desk, "votes-3-published")
    assert Vote.objects.get(pk=vote.pk).state == "published"

    # The public result: tallies, no names (a fresh, logged-out phone).
    public = journey.open(PHONE, mobile=True)
    public.goto(f"{live_server.url}/votes/{vote.pk}/result/")
    assert public.locator('[data-test="participating-heads"]').inner_text() == "1"
    assert public.locator('[data-test="disagree-heads"]').inner_text() == "1"
    assert public.locator('[data-test="participating-area"]').inner_text() == "160.25"
    assert "表决未通过" in public.content()  # 1 of 3 heads took part: no quorum
    assert "王五" not in public.content()
    journey.shoot(public, "votes-4-result")
    assert journey.foreign == []
