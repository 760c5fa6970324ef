"""The phone pages: the list with its filters, the two forms, the item page's steps."""

from __future__ import annotations

import pytest
from django.urls import reverse

from redprop.accounts.choices import Role
from redprop.service_lists.models import ServiceItem
from redprop.service_lists.tests.helpers import agree, jpeg, need, resource

pytestmark = pytest.mark.django_db


def test_post_need_then_unit_claims_and_completes(world) -> None:  # type: ignore[no-untyped-def]
    agree(world)
    butler = world.client(Role.GRID_BUTLER)
    page = butler.get(reverse("service_lists:need_new"))
    assert page.status_code == 200 and f"c:{world.compound.pk}".encode() in page.content
    r = butler.post(
        reverse("service_lists:need_new"),
        {
            "title": "独居老人每周探访",
            "service_class": "wei_min_xin",
            "care": "elderly_alone",
            "place": f"c:{world.compound.pk}",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    item = ServiceItem.objects.get()
    unit = world.client(Role.UNIT_STAFF)
    listed = unit.get(reverse("service_lists:list") + "?side=need&care=old")
    assert (
        "独居老人每周探访".encode() in listed.content and "一位独居老人".encode() in listed.content
    )
    assert (
        item.title.encode()
        not in unit.get(reverse("service_lists:list") + "?side=resource").content
    )
    detail = reverse("service_lists:detail", args=[item.pk])
    assert "认领".encode() in unit.get(detail).content
    for action in ("claim", "start"):
        r = unit.post(reverse("service_lists:action", args=[item.pk, action]))
        assert r.status_code == 302
    r = unit.post(
        reverse("service_lists:action", args=[item.pk, "complete"]),
        {"note": "已上门探访", "photos": [jpeg()]},
    )
    assert r.status_code == 302
    item.refresh_from_db()
    assert item.status == "done" and item.photos.count() == 1
    page = unit.get(detail)
    photo = item.photos.get()
    assert reverse("service_lists:photo", args=[item.pk, photo.pk]).encode() in page.content
    assert unit.get(reverse("service_lists:photo", args=[item.pk, photo.pk])).status_code == 200


def test_second_claim_shows_the_message(world) -> None:  # type: ignore[no-untyped-def]
    agree(world)
    item = need(world)
    world.client(Role.UNIT_STAFF).post(reverse("service_lists:action", args=[item.pk, "claim"]))
    company = world.client(Role.COMPANY_STAFF)
    r = company.post(reverse("service_lists:action", args=[item.pk, "claim"]), follow=True)
    assert "该事项已被认领".encode() in r.content or "不能认领".encode() in r.content


def test_offer_form_and_resource_claim(world) -> None:  # type: ignore[no-untyped-def]
    agree(world)
    unit = world.client(Role.UNIT_STAFF)
    r = unit.post(
        reverse("service_lists:offer_new"),
        {"title": "每月义诊", "service_class": "liao_min_ji", "place": f"m:{world.community.pk}"},
    )
    assert r.status_code == 302
    res = ServiceItem.objects.get(side="resource")
    assert res.offered_by_id == world.water.pk
    resident = world.client(Role.RESIDENT)
    r = resident.post(reverse("service_lists:action", args=[res.pk, "claim"]))
    res.refresh_from_db()
    assert res.status == "claimed" and res.claimed_by_id == world.users[Role.RESIDENT].pk


def test_pages_refuse(world) -> None:  # type: ignore[no-untyped-def]
    agree(world)
    item = resource(world)
    assert world.client(Role.HOTLINE).get(reverse("service_lists:list")).status_code == 403
    assert world.client(Role.RESIDENT).get(reverse("service_lists:offer_new")).status_code == 403
    c = world.client(Role.STREET_OFFICER)
    c.force_login(world.users["street_b"])
    assert c.get(reverse("service_lists:detail", args=[item.pk])).status_code == 404


def test_request_page_turns_a_request_into_a_need(world) -> None:  # type: ignore[no-untyped-def]
    """The request's page offers 转入服务清单 to the community's desk (not to the
    resident who filed it); once done, it links the need."""
    from redprop.requests.models import Category
    from redprop.requests.services import request_file

    sr = request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="consultation"),
        description="楼下独居老人需要有人每周看看",
        unit=world.unit,
    )
    page = reverse("web:request_detail", args=[sr.pk])
    assert "转入服务清单".encode() not in world.client(Role.RESIDENT).get(page).content
    desk = world.client(Role.COMMUNITY_STAFF)
    assert "转入服务清单".encode() in desk.get(page).content
    r = desk.post(
        reverse("service_lists:from_request", args=[sr.pk]),
        {"service_class": "wei_min_xin", "care": "elderly_alone"},
    )
    item = ServiceItem.objects.get(source_request=sr)
    assert r.status_code == 302
    assert r["Location"] == reverse("service_lists:detail", args=[item.pk])
    after = desk.get(page).content
    assert reverse("service_lists:from_request", args=[sr.pk]).encode() not in after
    assert reverse("service_lists:detail", args=[item.pk]).encode() in after


def test_photos_of_a_care_visit_are_not_for_the_neighbours(world) -> None:  # type: ignore[no-untyped-def]
    from redprop.service_lists import services

    agree(world)
    item = need(world)  # 独居老人每周探访, posted by the butler
    unit = world.users[Role.UNIT_STAFF]
    services.item_claim(acting_user=unit, item_id=item.pk)
    services.item_start(acting_user=unit, item_id=item.pk)
    services.item_complete(acting_user=unit, item_id=item.pk, note="已探访", photos=[jpeg()])
    photo = reverse("service_lists:photo", args=[item.pk, item.photos.get().pk])
    assert world.client(Role.UNIT_STAFF).get(photo).status_code == 200
    assert world.client(Role.GRID_BUTLER).get(photo).status_code == 200
    resident = world.client(Role.RESIDENT)
    assert resident.get(photo).status_code == 403
    assert (
        photo.encode() not in resident.get(reverse("service_lists:detail", args=[item.pk])).content
    )
