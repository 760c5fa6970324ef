"""The campaign pages and API: report from the phone, the item's steps, 4xx shapes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from redprop.accounts.choices import Role
from redprop.campaigns.models import CampaignItem
from redprop.campaigns.tests.test_campaigns import jpeg, launch

pytestmark = pytest.mark.django_db


def test_report_assign_fix_verify_through_the_pages(world: Any) -> None:
    w = world
    c = launch(w)
    butler = w.client(Role.GRID_BUTLER)
    assert butler.get(f"/c/{c.pk}/").status_code == 200
    page = butler.get(f"/c/{c.pk}/report/")
    assert page.status_code == 200 and f"b:{w.building.pk}" in page.content.decode()
    r = butler.post(
        f"/c/{c.pk}/report/",
        {
            "place": f"b:{w.building.pk}",
            "hazard": "flying_wire",
            "severity": "high",
            "photo": jpeg(),
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    item = CampaignItem.objects.get()
    staff = w.client(Role.COMMUNITY_STAFF)
    assert staff.post(f"/c/i/{item.pk}/do/assign/", {"org": w.company.pk}).status_code == 302
    company = w.client(Role.COMPANY_STAFF)
    assert (
        company.post(f"/c/i/{item.pk}/do/fix/", {"photo": jpeg(), "note": "已拆除"}).status_code
        == 302
    )
    assert staff.post(f"/c/i/{item.pk}/do/verify/", {"note": "复查合格"}).status_code == 302
    item.refresh_from_db()
    assert item.status == "verified"
    photo = item.photos.get(kind="before")
    assert staff.get(f"/c/i/{item.pk}/photo/{photo.pk}/").status_code == 200
    assert w.client(Role.RESIDENT).get(f"/c/i/{item.pk}/").status_code == 403


def test_api_report_outside_area_is_a_4xx_with_field(world: Any) -> None:
    w = world
    c = launch(w)
    api = w.client(Role.SYSADMIN)
    r = api.post(
        f"/api/v1/campaigns/{c.pk}/items",
        {
            "hazard": "rubbish",
            "severity": "low",
            "building_id": w.building_b.pk,
            "photos": [jpeg()],
        },
    )
    assert r.status_code == 400
    assert r.json()["code"] == "campaign_item_outside_area" and r.json()["field"] == "building_id"
    r = api.post(
        f"/api/v1/campaigns/{c.pk}/items",
        {"hazard": "rubbish", "severity": "low", "building_id": w.building.pk, "photos": [jpeg()]},
    )
    assert r.status_code == 201, r.json()
    iid = r.json()["id"]
    assert api.get(f"/api/v1/campaigns/items/{iid}").json()["actions"] == ["assign"]
    progress = api.get(f"/api/v1/campaigns/{c.pk}").json()
    assert progress["total"]["total"] == 1
    r = api.post(
        f"/api/v1/campaigns/items/{iid}/assign",
        {"org_id": w.company_b.pk},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["field"] == "org_id"


def test_dashboard_shows_notice_reach_and_campaign_progress(world: Any) -> None:
    from redprop.campaigns.tests.test_campaigns import found
    from redprop.notices import services as ns

    w = world
    c = launch(w)
    found(w, c)
    n = ns.notice_create(
        acting_user=w.users[Role.COMMUNITY_STAFF],
        kind="water_cut",
        title="停水",
        body="明日停水",
        target_level="building",
        target_id=w.building.pk,
        publish=True,
    )
    ns.notice_mark_read(notice=n, user=w.users[Role.RESIDENT])
    page = w.client(Role.STREET_OFFICER).get(reverse("dashboards:dashboard"))
    assert page.status_code == 200
    panel = page.content.decode().split('id="notice-reach"')[1]
    assert w.community.name in panel and "100.0%" in panel  # 1 read of 1 person
    assert w.community_b.name not in panel
