"""Bad input is a 4xx with ``{code, message, field}``, never a 500 (issue #10, holes 4
and 5; docs/adr/0009-input-limits.md). Each case here answered 500 (or 201 for the
Idempotency-Key replay) before the fix."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from redprop.requests.models import ServiceRequest
from redprop.requests.tests.helpers import file_request, post

pytestmark = pytest.mark.django_db

HUGE = [10**30, 2**63]


def _json(world, role, path, body, **headers):
    return world.client(role).post(
        path,
        body if isinstance(body, str | bytes) else json.dumps(body),
        "application/json",
        headers=headers,
    )


def _assert_4xx(resp, status=400, field=None):
    assert resp.status_code == status, resp.content[:500]
    body = resp.json()
    assert set(body) >= {"code", "message", "field"}, body
    assert body["message"]
    if field is not None:
        assert body["field"] == field, body


@pytest.mark.parametrize("megabytes", [3, 30])
def test_a_big_json_body_is_413(world, megabytes):
    """Past the body limit the API answers 413 JSON before parsing anything."""
    description = "漏水" * (megabytes * 1024 * 1024 // 6)
    body = json.dumps({"category": "pipe_dredging", "description": description, "unit_id": 1})
    resp = _json(world, "resident", "/api/v1/requests", body)
    assert resp.status_code == 413, resp.content[:300]
    assert resp.json()["code"] == "request_too_large"
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_id_in_a_body_is_400(world, value):
    resp = _json(
        world,
        "resident",
        "/api/v1/requests",
        {"category": "pipe_dredging", "description": "厨房漏水", "unit_id": value},
    )
    _assert_4xx(resp, field="unit_id")
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_id_in_a_query_is_400(world, value):
    resp = world.client("community_staff").get(f"/api/v1/requests?compound_id={value}")
    _assert_4xx(resp, field="compound_id")
    resp = world.client("community_staff").get(f"/api/v1/requests?cursor={value}")
    _assert_4xx(resp, field="cursor")


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_id_in_a_list_is_400(world, value):
    resp = _json(world, "resident", "/api/v1/notifications/inbox/read", {"ids": [1, value]})
    _assert_4xx(resp, field="ids.1")


@pytest.mark.parametrize("value", HUGE)
def test_a_huge_id_in_a_path_is_4xx(world, value):
    resp = world.client("community_staff").get(f"/api/v1/requests/{value}")
    assert resp.status_code in (400, 404), resp.content[:300]
    assert resp.json()["code"]


def test_a_lone_surrogate_is_400(world):
    unit = world.unit.pk
    body = f'{{"category": "pipe_dredging", "description": "漏水\\ud800", "unit_id": {unit}}}'
    resp = _json(world, "resident", "/api/v1/requests", body)
    _assert_4xx(resp, field="description")
    assert not ServiceRequest.objects.exists()


def test_a_nul_character_is_400(world):
    resp = post(
        world,
        "resident",
        "",
        {"category": "pipe_dredging", "description": "漏水\x00", "unit_id": world.unit.pk},
    )
    _assert_4xx(resp, field="description")


@pytest.mark.parametrize("text", ["\u200b\u200b", " \u3000\u2060\ufeff", "\u200d\n\t"])
def test_an_invisible_description_is_400(world, text):
    resp = post(
        world,
        "resident",
        "",
        {"category": "pipe_dredging", "description": text, "unit_id": world.unit.pk},
    )
    _assert_4xx(resp, field="description")
    assert not ServiceRequest.objects.exists()


def test_an_unknown_severity_is_400_not_normal(world):
    resp = post(
        world,
        "community_staff",
        "",
        {
            "category": "pipe_dredging",
            "description": "厨房漏水",
            "unit_id": world.unit.pk,
            "severity": "apocalyptic",
        },
    )
    _assert_4xx(resp, field="severity")
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "limit"), [("location_text", 128), ("external_ref", 64), ("description", 2000)]
)
def test_an_over_long_field_is_refused_not_cut(world, field, limit):
    payload = {"category": "pipe_dredging", "description": "厨房漏水", "unit_id": world.unit.pk}
    payload[field] = "长" * (limit + 1)
    resp = post(world, "community_staff", "", payload)
    _assert_4xx(resp, field=field)
    assert str(limit) in resp.json()["message"]
    assert not ServiceRequest.objects.exists()
    payload[field] = "长" * limit
    assert post(world, "community_staff", "", payload).status_code == 201


def test_similar_refuses_a_long_description(world):
    """The duplicate finder's cost grows with the text: it takes what filing takes."""
    resp = post(
        world,
        "resident",
        "/similar",
        {"category": "pipe_dredging", "description": "漏水" * 10_000, "unit_id": world.unit.pk},
    )
    _assert_4xx(resp, field="description")


def test_an_idempotency_key_replayed_with_another_body_is_422(world):
    first = post(world, "resident", "", _body(world, "厨房漏水"), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    same = post(world, "resident", "", _body(world, "厨房漏水"), **{"Idempotency-Key": "k-1"})
    assert same.status_code == 201
    assert same.json()["id"] == first.json()["id"]
    other = post(world, "resident", "", _body(world, "楼道灯坏了"), **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422, other.content
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["field"] == "Idempotency-Key"
    assert ServiceRequest.objects.count() == 1


def test_an_idempotent_replay_ignores_key_order_and_spacing(world):
    """The same parameters in another order (or spacing) are the same request."""
    body = _body(world, "厨房漏水")
    first = _json(world, "resident", "/api/v1/requests", body, **{"Idempotency-Key": "k-2"})
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = _json(world, "resident", "/api/v1/requests", reordered, **{"Idempotency-Key": "k-2"})
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]


def _body(world, description):
    return {"category": "pipe_dredging", "description": description, "unit_id": world.unit.pk}


def test_anonymous_big_body_is_413_too(db):
    resp = Client().post("/api/v1/requests", "x" * (3 * 1024 * 1024), "application/json")
    assert resp.status_code == 413


def test_file_request_still_works(world):
    assert file_request(world)["status"]
