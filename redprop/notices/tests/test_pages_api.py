"""The notice pages and API: public vs private, the form's refusals, the QR code,
receipts through the page, the API's {code, message, field}."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.notices import services
from redprop.notices.models import Notice, NoticeRead

pytestmark = pytest.mark.django_db


def _notice(w: Any, **kw: Any) -> Notice:
    return services.notice_create(
        acting_user=w.users[Role.COMMUNITY_STAFF],
        kind="water_cut",
        title="1栋停水通知",
        body="明天上午停水",
        target_level="building",
        target_id=w.building.pk,
        publish=True,
        **kw,
    )


def test_public_notice_page_and_qr_without_login(world: Any) -> None:
    n = _notice(world)
    c = Client()
    page = c.get(f"/n/{n.pk}/")
    assert page.status_code == 200 and "1栋停水通知" in page.content.decode()
    assert "【停水通知】1栋停水通知" in page.content.decode()  # the share text
    qr = c.get(f"/n/{n.pk}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert b"<svg" in qr.content


def test_private_notice_needs_login_and_the_target(world: Any) -> None:
    n = _notice(world, is_public=False)
    anon = Client().get(f"/n/{n.pk}/")
    assert anon.status_code == 302 and "/accounts/login/" in anon["Location"]
    outsider = Client()
    outsider.force_login(
        world.users[Role.MAINTENANCE_WORKER].__class__.objects.get(username="t_street_b")
    )
    assert outsider.get(f"/n/{n.pk}/").status_code == 404
    resident = world.client(Role.RESIDENT)
    assert resident.get(f"/n/{n.pk}/").status_code == 200
    assert NoticeRead.objects.filter(notice=n, user=world.users[Role.RESIDENT]).count() == 1
    # The resident's home page lists it, read.
    home = resident.get("/my/").content.decode()
    assert "1栋停水通知" in home


def test_form_refuses_a_place_outside_scope_and_writes_nothing(world: Any) -> None:
    c = world.client(Role.COMMUNITY_STAFF)
    before = Notice.objects.count()
    r = c.post(
        "/n/new/",
        {
            "kind": "policy",
            "title": "政策",
            "body": "内容",
            "place": f"community:{world.community_b.pk}",
            "publish": "1",
        },
    )
    assert r.status_code == 400
    assert Notice.objects.count() == before
    ok = c.post(
        "/n/new/",
        {
            "kind": "policy",
            "title": "政策宣传",
            "body": "内容",
            "place": f"community:{world.community.pk}",
            "is_public": "on",
            "publish": "1",
        },
    )
    assert ok.status_code == 302
    assert Notice.objects.get(title="政策宣传").status == "published"


def test_api_errors_have_code_message_field(world: Any) -> None:
    c = world.client(Role.GRID_BUTLER)
    body = {
        "kind": "property_service",
        "title": "电梯检修",
        "body": "周六检修",
        "target_level": "building",
        "target_id": world.building_2.pk,  # grid 2: not the butler's
    }
    r = c.post("/api/v1/notices", body, content_type="application/json")
    assert r.status_code == 403
    assert r.json()["code"] == "notice_target_out_of_scope" and r.json()["field"] == "target_id"
    r = c.post(
        "/api/v1/notices",
        {**body, "title": " ", "target_id": world.building.pk},
        content_type="application/json",
    )
    assert r.status_code == 400 and r.json()["code"] == "notice_empty"
    assert Notice.objects.count() == 0
    r = c.post(
        "/api/v1/notices",
        {**body, "target_id": world.building.pk, "publish": True},
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    nid = r.json()["id"]
    resident = world.client(Role.RESIDENT)
    mine = resident.get("/api/v1/notices/mine").json()
    assert [m["id"] for m in mine] == [nid] and mine[0]["is_read"] is False
    assert resident.post(f"/api/v1/notices/{nid}/read").json() == {"counted": True}
    reach = c.get(f"/api/v1/notices/{nid}/reach").json()
    assert reach["read"] == 1 and reach["buildings"][0]["unread"] == 0
