"""/api/v1/duty as the users drive it: a community's desk puts the office rota on the
roster, members read 我的排班, a resident reads 今日值班, the one on duty hands over
and the next acknowledges; refusals are 4xx {code, message, field} writing nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.duty.models import HandOver, Rota
from redprop.duty.tests.test_rota_handover import cadre, committee

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]


def post(world: Any, who: Any, path: str, payload: dict) -> Any:
    client = world.client(who) if isinstance(who, str) else _client_for(who)
    return client.post(f"/api/v1/duty{path}", payload, content_type="application/json")


def _client_for(user: Any) -> Any:
    from django.test import Client

    c = Client()
    c.force_login(user)
    return c


def get(world: Any, who: Any, path: str) -> Any:
    client = world.client(who) if isinstance(who, str) else _client_for(who)
    return client.get(f"/api/v1/duty{path}")


def make_rota(world: Any, members: list[Any]) -> Any:
    today = timezone.localdate()
    return post(
        world,
        Role.COMMUNITY_STAFF,
        "/rotas",
        {
            "org_id": committee(world).pk,
            "community_id": world.community.pk,
            "office": "红星社区物业服务站",
            "member_ids": [m.pk for m in members],
            "mode": "daily",
            "weekdays": 127,
            "day_rule": "all",
            "starts_at": "00:00",
            "ends_at": "23:59",
            "effective_from": (today - dt.timedelta(days=7)).isoformat(),
        },
    )


def test_rota_my_shifts_today_and_hand_over(world: Any) -> None:
    a, b = world.users[Role.COMMUNITY_STAFF], cadre(world, "李红梅")
    resp = make_rota(world, [a, b])
    assert resp.status_code == 201, resp.content
    assert resp.json()["members"] == [a.pk, b.pk]

    today = timezone.localdate()
    mine = {m.pk: get(world, m, "/my-shifts").json() for m in (a, b)}
    assert sorted(e["day"] for e in mine[a.pk] + mine[b.pk]) == sorted(
        (today + dt.timedelta(days=i)).isoformat() for i in range(14)
    )
    on_today = a if any(e["day"] == today.isoformat() for e in mine[a.pk]) else b
    incoming = b if on_today == a else a

    today_rows = get(world, Role.RESIDENT, "/today").json()
    assert [(r["name"], r["office"]) for r in today_rows] == [(str(on_today), "红星社区物业服务站")]
    assert get(world, Role.RESIDENT, "/roster").status_code == 403
    roster = get(world, Role.STREET_OFFICER, "/roster").json()
    assert {e["user_id"] for e in roster} >= {on_today.pk}
    assert get(world, world.users["street_b"], "/roster").json() == []

    resp = post(world, on_today, "/handovers", {"note": "居民反映的楼道灯已报修，待物业回复"})
    assert resp.status_code == 201, resp.content
    h = resp.json()
    assert (h["to_user_id"], h["status"]) == (incoming.pk, "pending")
    again = post(world, on_today, "/handovers", {"note": "重复交班"})
    assert again.status_code == 409
    assert set(again.json()) >= {"code", "message", "field"}
    assert again.json()["code"] == "duty_handover_twice"

    # The writer and a grid butler (someone else's hand-over) are refused.
    for other in (on_today, world.users[Role.GRID_BUTLER]):
        refused = post(world, other, f"/handovers/{h['id']}/acknowledge", {})
        assert refused.status_code in (403, 404)
        assert set(refused.json()) >= {"code", "message", "field"}
    assert HandOver.objects.get(pk=h["id"]).status == "pending"
    assert get(world, incoming, f"/handovers/{h['id']}").json()["actions"] == ["acknowledge"]
    ok = post(world, incoming, f"/handovers/{h['id']}/acknowledge", {"note": "已接班"})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "acknowledged"
    assert post(world, incoming, f"/handovers/{h['id']}/acknowledge", {}).status_code == 409


def test_rota_bad_input(world: Any) -> None:
    a = world.users[Role.COMMUNITY_STAFF]
    resp = make_rota(world, [a, a])
    assert resp.status_code == 400
    assert resp.json()["field"] == "members"
    resp = post(world, Role.COMPANY_STAFF, "/rotas", {"org_id": committee(world).pk})
    assert resp.status_code in (400, 422)
    assert not Rota.objects.exists()
    assert get(world, a, "/my-shifts?start=2026-01-01&end=2026-06-01").json()["field"] == "end"
