"""A resident's second filing about their own open request (issue #18)."""

from __future__ import annotations

import pytest

from redprop.requests.models import ServiceRequest
from redprop.web.tests.helpers import field_error, file_via_service

pytestmark = pytest.mark.django_db

FORM = {"category": "pipe_dredging", "description": "厨房下水道又堵了，污水倒灌", "place": ""}


def form(world, **extra):
    return {**FORM, "place": f"u:{world.unit.pk}", **extra}


def test_the_suggestion_says_the_request_is_the_residents_own(world):
    first = file_via_service(world, description="厨房下水道堵塞，污水倒灌")
    body = world.client("resident").post("/file/similar/", form(world)).content.decode()
    assert "您已反映过这个问题" in body and first.number in body
    assert "一起关注" not in body


def test_filing_the_same_thing_again_is_stopped_with_a_word_and_a_link(world):
    first = file_via_service(world, description="厨房下水道堵塞，污水倒灌")
    c = world.client("resident")
    resp = c.post("/file/", form(world))
    assert resp.status_code == 400
    page = resp.content.decode()
    assert first.number in field_error(page, "id_description")
    assert "不必重复提交" in field_error(page, "id_description")
    assert f"/r/{first.pk}/" in page and 'name="not_duplicate"' in page
    assert ServiceRequest.objects.count() == 1
    # A different problem after all: ticked, it is filed.
    resp = c.post("/file/", form(world, not_duplicate="on"))
    assert resp.status_code == 302
    assert ServiceRequest.objects.count() == 2


def test_a_different_problem_is_not_stopped(world):
    file_via_service(world, description="厨房下水道堵塞，污水倒灌")
    c = world.client("resident")
    resp = c.post("/file/", form(world, category="public_repair", description="楼道灯坏了一周"))
    assert resp.status_code == 302, resp.content.decode()[:300]


def test_a_neighbours_request_is_not_the_residents_own(world):
    """Staff filing at the window are never stopped: they file for others."""
    file_via_service(world, description="厨房下水道堵塞，污水倒灌")
    resp = world.client("community_staff").post(
        "/file/", {**FORM, "place": f"c:{world.compound.pk}"}
    )
    assert resp.status_code in (302, 400)
    assert "不必重复提交" not in resp.content.decode()
