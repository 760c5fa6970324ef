"""The lean intake (docs/adr/0006-lean-intake.md): what one API create costs, and that
answering from memory gives exactly what reading the request back would."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from redprop.accounts.choices import Role
from redprop.accounts.services import token_create
from redprop.notifications.choices import Channel
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
from redprop.requests.models import Category, RoutingRule, ServiceRequest, SlaTarget
from redprop.requests.policies import default_policy

pytestmark = pytest.mark.django_db


def _auto_dispatch(world, code="pipe_dredging"):
    """As Jinghe does: property repairs go straight to the grid's maintenance worker."""
    return RoutingRule.objects.create(
        region=world.city,
        category=Category.objects.get(code=code),
        auto_dispatch=True,
        assignment="grid_worker",
    )


def _create(world, role=Role.RESIDENT, **payload):
    token = token_create(user=world.users[role], name="t", scope="write", acting_user=None).key
    body = {"category": "pipe_dredging", "description": "厨房下水道堵塞，污水倒灌"}
    body.update(payload)
    if not ({"unit_id", "building_id", "compound_id"} & set(body)):
        body["unit_id"] = world.unit.pk
    return Client().post(
        "/api/v1/requests",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def _statements(ctx):
    sql = [q["sql"] for q in ctx.captured_queries]
    kinds = [s.split()[0].upper() for s in sql]
    return sql, kinds


@pytest.mark.django_db(transaction=True)
def test_an_auto_dispatched_create_costs_four_writes_and_four_reads(world):
    """Token+user+person, roles, place, residency; then the request, its two events, the
    rollup cells and one outbox row. Reference data comes from memory after first use.
    (Real commits, as in production: inside an open transaction that changed reference
    data, core.refdata reads through instead.)"""
    _auto_dispatch(world)
    # Warm the reference data (the first filing ever also creates the default policy).
    for _ in range(2):
        assert _create(world).status_code == 201
    token = token_create(
        user=world.users[Role.RESIDENT], name="t2", scope="write", acting_user=None
    ).key
    with CaptureQueriesContext(connection) as ctx:
        resp = Client().post(
            "/api/v1/requests",
            {"category": "pipe_dredging", "description": "又堵了", "unit_id": world.unit.pk},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    assert resp.status_code == 201, resp.content
    sql, kinds = _statements(ctx)
    writes = [
        s
        for s, k in zip(sql, kinds, strict=True)
        if k in ("INSERT", "UPDATE", "DELETE") or (k == "WITH" and "INSERT INTO" in s)
    ]
    reads = [s for s, k in zip(sql, kinds, strict=True) if k == "SELECT"]

    def table(statement):
        if statement.startswith("UPDATE"):
            return statement.split()[1].strip('"')
        return statement.split("INSERT INTO", 1)[1].split()[0].strip('"')

    tables = [table(s) for s in writes]
    # Both rollups in one statement on PostgreSQL (a data-modifying CTE); SQLite
    # allows only SELECT in WITH, so there they are two.
    rollups = (
        ["requests_monthlystats"]
        if connection.vendor == "postgresql"
        else ["requests_monthlystats", "requests_communitymonthstats"]
    )
    # The token's first use also records last_used_at (at most once per 5 minutes).
    assert tables == [
        "accounts_apitoken",
        "requests_servicerequest",
        "requests_requestevent",
        *rollups,
        "notifications_outboxmessage",
    ], writes
    if connection.vendor == "postgresql":
        assert "requests_communitymonthstats" in writes[3]
    assert len(reads) == 4, [s[:120] for s in reads]
    assert resp.json()["status"] == "dispatched"


def test_the_answer_equals_the_request_read_back(world):
    """The 201 is built from what was written; a GET of the same request agrees field by
    field: dispatched or not, by unit, building or compound, by a resident or staff."""
    _auto_dispatch(world)
    cases = [
        (Role.RESIDENT, {"unit_id": world.unit.pk}),  # auto-dispatched to the grid worker
        (Role.RESIDENT, {"category": "neighbour_dispute", "unit_id": world.unit.pk}),
        (Role.GRID_BUTLER, {"building_id": world.building.pk, "channel": "patrol"}),
        (Role.COMMUNITY_STAFF, {"compound_id": world.compound.pk, "channel": "hotline"}),
    ]
    for role, payload in cases:
        resp = _create(world, role, **payload)
        assert resp.status_code == 201, resp.content
        created = resp.json()
        read = world.client(role).get(f"/api/v1/requests/{created['id']}").json()
        assert created == read, (role, payload)
    statuses = [r.status for r in ServiceRequest.objects.order_by("pk")]
    assert statuses == ["dispatched", "submitted", "dispatched", "dispatched"]


def test_the_dispatch_notification_is_one_row_fanned_out_by_the_relay(world, relay):
    """The intake writes one fan-out row; the relay reaches the company's staff and the
    assignee in their inboxes (and by SMS where they have a mobile), and the company's
    webhook — what the synchronous fan-out used to write in the request."""
    _auto_dispatch(world)
    hook = WebhookEndpoint.objects.create(
        name="company", url="http://127.0.0.1:9/hook", org=world.company
    )
    resp = _create(world)
    assert resp.status_code == 201
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == [Channel.FANOUT]
    relay()
    assert set(InboxItem.objects.values_list("user__username", "kind")) == {
        (world.users[Role.COMPANY_STAFF].username, "request.dispatched"),
        (world.users[Role.MAINTENANCE_WORKER].username, "request.dispatched"),
    }
    webhook = OutboxMessage.objects.get(channel=Channel.WEBHOOK)
    assert webhook.endpoint == hook
    assert webhook.payload["request"] == resp.json()["id"]
    # Delivered once: another pass expands nothing again.
    count = OutboxMessage.objects.count()
    relay()
    assert OutboxMessage.objects.count() == count


def test_a_changed_deadline_applies_to_the_next_request_at_once(world):
    """Reference data is cached per process; a change made in this process clears it."""
    _auto_dispatch(world)
    first = _create(world).json()
    target = SlaTarget.objects.get(policy=default_policy(), severity="normal", clock="resolve")
    target.minutes = 45
    target.save()
    second = _create(world).json()
    r1, r2 = (ServiceRequest.objects.get(pk=x["id"]) for x in (first, second))
    assert (r1.resolve_due_at - r1.clock_started_at).total_seconds() == 30 * 60
    assert (r2.resolve_due_at - r2.clock_started_at).total_seconds() == 45 * 60
    RoutingRule.objects.all().delete()
    third = _create(world).json()
    assert third["status"] == "submitted"  # no rule any more: waits for the dispatcher


def test_a_refused_create_writes_nothing(world):
    """A resident filing for a compound they do not live in: refused as an unknown unit
    (400 on unit_id, the other compound's unit is not confirmed), and not one row."""
    _auto_dispatch(world)
    before = (ServiceRequest.objects.count(), OutboxMessage.objects.count())
    resp = _create(world, unit_id=world.unit_b.pk)
    assert resp.status_code == 400, resp.content
    assert resp.json()["code"] == "place_required" and resp.json()["field"] == "unit_id"
    assert (ServiceRequest.objects.count(), OutboxMessage.objects.count()) == before
