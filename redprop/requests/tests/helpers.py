"""Small helpers for request tests: drive the API as the users would."""

from __future__ import annotations

from typing import Any


def post(world: Any, role: str, path: str, payload: dict | None = None, **headers: str) -> Any:
    return world.client(role).post(
        f"/api/v1/requests{path}", payload or {}, content_type="application/json", headers=headers
    )


def file_request(world: Any, role: str = "resident", **overrides: Any) -> Any:
    payload = {
        "category": "pipe_dredging",
        "description": "厨房下水道堵塞，污水倒灌",
        "unit_id": world.unit.pk,
    }
    payload.update(overrides)
    resp = post(world, role, "", payload)
    assert resp.status_code == 201, resp.content
    return resp.json()
