"""/api/v1/service-lists: the shapes, the refusals ({code, message, field}), the journey."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.service_lists.models import ServiceItem
from redprop.service_lists.tests.helpers import agree, jpeg

pytestmark = pytest.mark.django_db

BASE = "/api/v1/service-lists/items"


def post(client, path, body):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body), content_type="application/json")


def test_journey_over_the_api(world) -> None:  # type: ignore[no-untyped-def]
    agree(world)
    butler = world.client(Role.GRID_BUTLER)
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    r = post(
        butler,
        BASE,
        {
            "side": "need",
            "service_class": "bian_min_ji",
            "title": "无障碍坡道损坏",
            "compound_id": world.compound.pk,
            "due_on": due,
        },
    )
    assert r.status_code == 201, r.content
    item = r.json()
    assert item["status"] == "open" and item["actions"] == ["cancel"]
    unit = world.client(Role.UNIT_STAFF)
    listed = unit.get(f"{BASE}?side=need&status=open").json()
    assert [i["id"] for i in listed] == [item["id"]]
    assert listed[0]["actions"] == ["claim"]
    r = post(unit, f"{BASE}/{item['id']}/claim", {})
    assert r.status_code == 200 and r.json()["status"] == "claimed"
    r = post(world.client(Role.COMPANY_STAFF), f"{BASE}/{item['id']}/claim", {})
    assert r.status_code == 409
    assert r.json() == {
        "code": "service_item_already_claimed",
        "message": "该事项已被认领",
        "field": "status",
    }
    assert post(unit, f"{BASE}/{item['id']}/start", {}).json()["status"] == "in_progress"
    r = unit.post(f"{BASE}/{item['id']}/complete", {"note": "已修复坡道", "photos": [jpeg()]})
    assert r.status_code == 200, r.content
    done = r.json()
    assert (
        done["status"] == "done" and done["photos"] == 1 and done["completion_note"] == "已修复坡道"
    )


def test_refusals(world) -> None:  # type: ignore[no-untyped-def]
    agree(world)
    resident = world.client(Role.RESIDENT)
    n = ServiceItem.objects.count()
    r = post(
        resident,
        BASE,
        {
            "side": "need",
            "service_class": "jie_min_xu",
            "title": "x",
            "compound_id": world.compound_b.pk,
        },
    )
    assert r.status_code == 400 and r.json()["field"] == "compound_id"
    r = post(resident, BASE, {"side": "need", "service_class": "nope", "title": "x"})
    assert r.status_code in (400, 422) and set(r.json()) >= {"code", "message", "field"}
    r = post(
        resident,
        BASE,
        {
            "side": "need",
            "service_class": "jie_min_xu",
            "title": "x" * 65,
            "compound_id": world.compound.pk,
        },
    )
    assert r.status_code in (400, 422)
    assert ServiceItem.objects.count() == n
    r = post(
        resident,
        BASE,
        {
            "side": "need",
            "service_class": "jie_min_xu",
            "title": "换灯泡",
            "compound_id": world.compound.pk,
        },
    )
    assert r.status_code == 201
    pk = r.json()["id"]
    assert post(resident, f"{BASE}/{pk}/claim", {}).status_code == 403
    assert world.client(Role.HOTLINE).get(f"{BASE}/{pk}").status_code == 404
    sib = world.client(Role.STREET_OFFICER)
    sib.force_login(world.users["street_b"])
    assert sib.get(f"{BASE}/{pk}").status_code == 404
    assert sib.get(BASE).json() == []
