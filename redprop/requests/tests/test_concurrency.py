"""Two people acting on one order at once: exactly one wins, the other gets 409.

Runs on PostgreSQL with real threads and connections (row locks are the point);
SQLite serialises writers anyway and is skipped.
"""

import threading

import pytest
from django.db import connection, connections

from redprop.conftest import build_world
from redprop.requests.models import RequestEvent, ServiceRequest
from redprop.requests.tests.helpers import file_request, post

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_workers_accept_one_order():
    assert connection.vendor == "postgresql"
    world = build_world()
    for _ in range(5):  # several rounds: the race must be won exactly once every time
        rid = file_request(world)["id"]
        post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
        a, b = race(
            lambda rid=rid: post(world, "maintenance_worker", f"/{rid}/accept"),
            lambda rid=rid: post(world, "company_staff", f"/{rid}/accept"),
        )
        codes = sorted([a.status_code, b.status_code])
        assert codes == [200, 409], (a.content, b.content)
        loser = a if a.status_code == 409 else b
        assert loser.json()["code"] == "already_taken"
        assert loser.json()["message"] == "该诉求已被他人接单"
        assert RequestEvent.objects.filter(request_id=rid, kind="accepted").count() == 1


def test_redispatch_while_worker_accepts():
    world = build_world()
    for _ in range(5):
        rid = file_request(world)["id"]
        post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
        version = ServiceRequest.objects.get(pk=rid).version
        a, b = race(
            lambda rid=rid, v=version: post(
                world, "maintenance_worker", f"/{rid}/accept", **{"If-Match": str(v)}
            ),
            lambda rid=rid, v=version: post(
                world,
                "community_staff",
                f"/{rid}/dispatch",
                {"org_id": world.water.pk},
                **{"If-Match": str(v)},
            ),
        )
        assert sorted([a.status_code, b.status_code]) == [200, 409]
        r = ServiceRequest.objects.get(pk=rid)
        if a.status_code == 200:
            assert (r.status, r.handling_org_id) == ("accepted", world.company.pk)
        else:
            assert (r.status, r.handling_org_id) == ("dispatched", world.water.pk)
        assert r.version == version + 1


def test_idempotent_create_under_concurrent_retries():
    world = build_world()
    payload = {"category": "pipe_dredging", "description": "停车位被占", "unit_id": world.unit.pk}
    results = race(
        *[
            (lambda: post(world, "resident", "", payload, **{"Idempotency-Key": "same-key"}))
            for _ in range(4)
        ]
    )
    assert {r.status_code for r in results} == {201}
    assert len({r.json()["id"] for r in results}) == 1
    assert ServiceRequest.objects.count() == 1


def test_filings_at_once_into_one_new_rollup_cell_lose_no_count():
    """Eight residents file at the same instant into the same (month, grid, unit,
    category) cells, none of which exists yet: the upsert creates each cell once and
    adds every count (no lost update, no unique violation, no deadlock)."""
    from redprop.requests.models import Category, MonthlyStats, RoutingRule

    world = build_world()
    RoutingRule.objects.create(
        region=world.city,
        category=Category.objects.get(code="pipe_dredging"),
        auto_dispatch=True,
        assignment="grid_worker",
    )
    assert not MonthlyStats.objects.exists()
    results = race(*[lambda: file_request(world) for _ in range(8)])
    assert all(r["status"] == "dispatched" for r in results)
    cells = {c.org_id: c for c in MonthlyStats.objects.all()}
    assert set(cells) == {None, world.company.pk}
    assert (cells[None].filed, cells[None].dispatched) == (8, 0)
    assert (cells[world.company.pk].filed, cells[world.company.pk].dispatched) == (0, 8)
