"""The pages' side of the input limits (docs/adr/0009-input-limits.md): a body past
the limit is a readable 413 page, odd text is refused next to its field, and ids
typed into a query string or a form never reach the database unchecked."""

from __future__ import annotations

import pytest

from redprop.requests.models import ServiceRequest
from redprop.web.tests.helpers import dispatched, field_error

pytestmark = pytest.mark.django_db


def test_a_form_body_past_the_limit_is_a_413_page(world, settings):
    resp = world.client("resident").post(
        "/file/",
        {"category": "pipe_dredging", "description": "漏水" * 600_000, "place": "x"},
    )
    assert resp.status_code == 413
    assert "提交的内容过大" in resp.content.decode()
    assert resp["Content-Type"].startswith("text/html")
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("text", ["\u200b\u200b\u200b", "\u2060 \ufeff"])
def test_an_invisible_description_is_refused_at_its_field(world, text):
    resp = world.client("resident").post(
        "/file/",
        {"category": "pipe_dredging", "description": text, "place": f"u:{world.unit.pk}"},
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_description") == "请描述遇到的问题"
    assert not ServiceRequest.objects.exists()


def test_a_control_character_is_refused_at_its_field(world):
    r = dispatched(world)
    staff = world.client("community_staff")
    resp = staff.post(
        f"/r/{r.pk}/do/escalate/",
        {"escalate-version": r.version, "escalate-reason": "需要街道\x07协调"},
    )
    assert resp.status_code == 400
    assert "不允许的字符" in field_error(resp.content, "id_escalate-reason")
    r.refresh_from_db()
    assert r.escalation_level == 0


def test_an_over_long_note_is_refused_at_its_field(world):
    r = dispatched(world)
    resp = world.client("community_staff").post(
        f"/r/{r.pk}/do/escalate/",
        {"escalate-version": r.version, "escalate-reason": "长" * 1001},
    )
    assert resp.status_code == 400
    assert "1000" in field_error(resp.content, "id_escalate-reason")


@pytest.mark.parametrize("value", ["²", "９" * 30, str(2**63), "-1"])
def test_odd_ids_in_a_query_string_are_ignored(world, value):
    """`str.isdigit` accepted "²" (then int() raised: a 500) and any length."""
    resp = world.client("community_staff").get(f"/console/?r={value}")
    assert resp.status_code == 200
    resp = world.client("community_staff").get(f"/console/queue/more/?after={value}")
    assert resp.status_code < 500


def test_odd_ids_in_the_inbox_form_are_ignored(world):
    resp = world.client("resident").post("/inbox/read/", {"ids": ["²", str(10**30), "1"]})
    assert resp.status_code == 302


def test_a_huge_version_or_assignee_is_a_form_error(world):
    r = dispatched(world)
    resp = world.client("community_staff").post(
        f"/r/{r.pk}/do/escalate/", {"escalate-version": str(10**30), "escalate-reason": "x"}
    )
    assert resp.status_code == 400
    r.refresh_from_db()
    assert r.escalation_level == 0
