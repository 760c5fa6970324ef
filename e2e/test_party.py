"""物业党建 in a real browser on a phone: the company records three party members of a
project, the platform proposes a branch and the community party committee approves it;
the street sees the branch in its coverage; a member consents to show the badge and the
resident sees it beside the handler of their request; the company submits a spending
decision and the committee asks to amend it. Screenshots go to e2e/artifacts/party-*.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.accounts.models import User
from redprop.conftest import build_world
from redprop.party.models import BranchProposal, Supervision
from redprop.party.tests.helpers import party_world
from redprop.requests import services as rs
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db(transaction=True)


def test_coverage_branch_badge_and_supervision_on_a_phone(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    pw = party_world(world)
    worker = world.users["maintenance_worker"]
    # The maintenance worker of grid A is 赵红梅, one of the company's staff.
    User.objects.filter(pk=worker.pk).update(person=pw["workers"][0])
    journey = Journey(browser, live_server.url, artifacts)

    # The company: from the nav to its page; three members of 幸福小区.
    company = journey.open(PHONE, mobile=True)
    journey.login(company, world.users["company_staff"].username)
    company.locator(".mainnav").get_by_role("link", name="更多").click()
    company.locator(".more-tiles").get_by_role("link", name="物业党建").click()
    company.wait_for_load_state("networkidle")
    company.get_by_role("link", name=world.company.name).first.click()
    company.wait_for_load_state("networkidle")
    for person in pw["workers"][:3]:
        company.get_by_label("在职人员", exact=True).select_option(str(person.pk))
        company.get_by_label("服务项目", exact=True).select_option(str(world.compound.pk))
        company.get_by_role("button", name="登记", exact=True).click()
        company.wait_for_load_state("networkidle")
        assert "党员已登记" in company.content()
    assert "组建待审批" in company.content()
    listed = " ".join(company.locator("li[data-member]").all_inner_texts())
    assert "赵**" in listed  # masked by default
    assert pw["workers"][0].name not in listed
    journey.shoot(company, "party-1-company")

    # The community party committee approves the platform's proposal.
    desk = journey.open(PHONE, mobile=True)
    journey.login(desk, world.users["community_staff"].username)
    desk.goto(f"{live_server.url}/party/")
    desk.locator("button[data-action='approve']").click()
    desk.wait_for_load_state("networkidle")
    assert BranchProposal.objects.get().status == "approved"

    # The street office sees the branch in its coverage.
    street = journey.open(PHONE, mobile=True)
    journey.login(street, world.users["street_officer"].username)
    street.goto(f"{live_server.url}/party/")
    row = street.locator(f"tr[data-street='{world.street.name}']")
    assert row.locator("[data-branches]").inner_text() == "1"
    journey.shoot(street, "party-2-coverage")

    # The member consents to show the badge (亮身份) on their own page.
    member = journey.open(PHONE, mobile=True)
    journey.login(member, worker.username)
    member.goto(f"{live_server.url}/party/me/")
    member.locator("button[data-action='grant']").click()
    member.wait_for_load_state("networkidle")
    assert member.locator("[data-badge]").is_visible()
    assert member.locator("[data-consent-at]").is_visible()
    journey.shoot(member, "party-3-consent")

    # The resident's request handled by the member: the badge beside the handler.
    r = rs.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description="厨房下水道堵塞",
        unit=world.unit,
    )
    r = rs.request_dispatch(
        request=r, org=world.company, acting_user=world.users["community_staff"]
    )
    r = rs.request_accept(request=r, acting_user=User.objects.get(pk=worker.pk))
    resident = journey.open(PHONE, mobile=True)
    journey.login(resident, world.users["resident"].username)
    resident.goto(f"{live_server.url}/r/{r.pk}/")
    assert resident.locator(".badge-party").first.is_visible()
    journey.shoot(resident, "party-4-handler-badge")
    # Withdrawn: the badge is gone at once.
    member.locator("button[data-action='withdraw']").click()
    member.wait_for_load_state("networkidle")
    resident.reload()
    assert resident.locator(".badge-party").count() == 0

    # Supervision: the company submits a spending decision; the committee asks to amend.
    company.goto(f"{live_server.url}/party/supervision/")
    company.get_by_label("事项类型").select_option("spending")
    company.get_by_label("事项", exact=True).fill("更换2栋单元门禁")
    company.get_by_label("说明").fill("使用公共收益 1.2 万元更换门禁")
    company.get_by_label("金额（元，可不填）").fill("12000")
    company.get_by_role("button", name="报送社区党委").click()
    company.wait_for_load_state("networkidle")
    s = Supervision.objects.get()
    desk.goto(f"{live_server.url}/party/supervision/{s.pk}/")
    desk.get_by_role("radio", name="修改后实施").check()
    desk.locator("button[data-action='opine']").click()
    desk.wait_for_load_state("networkidle")
    assert desk.locator("[role=alert][data-field='opinion_text']").is_visible()
    desk.get_by_label("意见内容（不同意或修改后实施时必填）").fill("先在楼栋公示三天")
    desk.get_by_role("radio", name="修改后实施").check()
    desk.locator("button[data-action='opine']").click()
    desk.wait_for_load_state("networkidle")
    company.goto(f"{live_server.url}/party/supervision/{s.pk}/")
    assert "先在楼栋公示三天" in company.content()
    journey.shoot(company, "party-5-opinion")
    assert journey.foreign == []
