"""星级评定 in a real browser on a phone: the company self-assesses with evidence, the
community party committee sends it back once and then forwards it, the bureau certifies
and later withdraws the star; the public list shows it, then no longer does.
Screenshots go to e2e/artifacts/ratings-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.conftest import build_world
from redprop.ratings import services
from redprop.ratings.models import Assessment, Criterion

pytestmark = pytest.mark.django_db(transaction=True)


def _fill_sheet(page: Any, cycle: Any, points: str) -> None:
    for c in Criterion.objects.filter(cycle=cycle, metric=""):
        page.locator(f"#id_score_{c.code}").fill(points)
    page.get_by_role("button", name="保存评分").click()
    page.wait_for_load_state("networkidle")
    assert "评分已保存" in page.content()


def _act(page: Any, action: str, reason: str = "") -> None:
    form = page.locator(f"form:has(button[data-action='{action}'])")
    if reason:
        form.locator("textarea").fill(reason)
    form.locator(f"button[data-action='{action}']").click()
    page.wait_for_load_state("networkidle")


def test_company_committee_bureau_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    cycle = services.cycle_open(
        acting_user=world.users["housing_bureau"],
        city_id=world.city.pk,
        year=timezone.localdate().year,
    )
    a = Assessment.objects.get(cycle=cycle, company=world.company)
    journey = Journey(browser, live_server.url, artifacts)

    # The company: from the nav to its assessment; a bad score first, then the sheet.
    company = journey.open(PHONE, mobile=True)
    journey.login(company, world.users["company_staff"].username)
    company.locator(".mainnav").get_by_role("link", name="更多").click()
    company.locator(".more-tiles").get_by_role("link", name="星级评定").click()
    company.get_by_role("link", name=world.company.name).click()
    company.wait_for_load_state("networkidle")
    first = Criterion.objects.filter(cycle=cycle, metric="").first()
    company.locator(f"#id_score_{first.code}").fill("99")
    company.get_by_role("button", name="保存评分").click()
    company.wait_for_load_state("networkidle")
    assert company.locator(f"#err_score_{first.code}").is_visible()
    _fill_sheet(company, cycle, "5.5")
    company.get_by_label("说明").fill("党员亮牌上岗照片")
    company.get_by_label("或本平台记录的链接（如 /r/123/）").fill("/r/1/")
    company.get_by_role("button", name="上传佐证").click()
    company.wait_for_load_state("networkidle")
    assert "党员亮牌上岗照片" in company.content()
    _act(company, "submit")
    assert "社区党委测评" in company.content()
    journey.shoot(company, "ratings-1-submitted")

    # The committee sends it back with a reason; the company resubmits.
    committee = journey.open(PHONE, mobile=True)
    journey.login(committee, world.users["community_staff"].username)
    committee.goto(f"{live_server.url}/ratings/a/{a.pk}/")
    _act(committee, "send_back", "请补充培训记录")
    assert "企业自评" in committee.content()
    company.reload()
    assert "请补充培训记录" in company.content()
    _act(company, "submit")
    committee.reload()
    _fill_sheet(committee, cycle, "5")
    _act(committee, "forward")
    journey.shoot(committee, "ratings-2-forwarded")

    # The bureau reviews and certifies; the public list shows the company.
    bureau = journey.open(PHONE, mobile=True)
    journey.login(bureau, world.users["housing_bureau"].username)
    bureau.goto(f"{live_server.url}/ratings/a/{a.pk}/")
    _fill_sheet(bureau, cycle, "6")
    _act(bureau, "certify")
    a.refresh_from_db()
    assert a.stage == "certified"
    assert a.stars
    journey.shoot(bureau, "ratings-3-certified")
    public = journey.open(PHONE, mobile=True)
    public.goto(f"{live_server.url}/ratings/public/")
    assert world.company.name in public.content()
    journey.shoot(public, "ratings-4-public")

    # A serious incident: the star is withdrawn, and the public list drops it.
    _act(bureau, "withdraw", "发生重大安全责任事故")
    a.refresh_from_db()
    assert a.stage == "withdrawn"
    public.reload()
    assert world.company.name not in public.content()
    assert journey.foreign == []
