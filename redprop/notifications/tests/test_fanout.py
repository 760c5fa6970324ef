"""Fan-out messages: one row for an audience, expanded by the relay exactly once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redprop.accounts.choices import Role
from redprop.accounts.services import role_revoke
from redprop.notifications.audience import audience, resolve
from redprop.notifications.choices import Channel, OutboxStatus
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
from redprop.notifications.services import outbox_fanout
from redprop.territory.places import scope_columns_of

pytestmark = pytest.mark.django_db


def _fanout(**aud):
    return outbox_fanout(
        kind="request.dispatched", subject="新派单 RP1", body="请处理", audience=audience(**aud)
    )


def test_fanout_is_one_statement_whatever_the_audience(world):
    with CaptureQueriesContext(connection) as ctx:
        message = _fanout(
            org_roles=(world.company.pk, (Role.COMPANY_STAFF, Role.UNIT_STAFF)),
            region_roles=(world.community.pk, (Role.COMMUNITY_STAFF,)),
            users=[world.users[Role.MAINTENANCE_WORKER].pk],
        )
    assert len(ctx.captured_queries) == 1
    assert message.channel == Channel.FANOUT
    assert (message.recipient_id, message.endpoint_id) == (None, None)


def test_audience_resolves_users_persons_and_role_holders(world):
    spec = audience(
        users=[world.users[Role.MAINTENANCE_WORKER].pk, None],
        persons=[world.resident.pk],
        org_roles=(world.company.pk, (Role.COMPANY_STAFF,)),
        region_roles=(world.street.pk, (Role.STREET_OFFICER,)),
    )
    assert {u.username for u in resolve(spec)} == {
        world.users[Role.MAINTENANCE_WORKER].username,
        world.users[Role.RESIDENT].username,
        world.users[Role.COMPANY_STAFF].username,
        world.users[Role.STREET_OFFICER].username,
    }
    assert resolve({}) == []


def test_relay_expands_once_for_those_holding_the_role_at_delivery(world, relay):
    """The audience is resolved when delivered: a role revoked in between is not reached."""
    staff = world.users[Role.COMPANY_STAFF]
    worker = world.users[Role.MAINTENANCE_WORKER]
    message = _fanout(org_roles=(world.company.pk, (Role.COMPANY_STAFF,)), users=[worker.pk])
    role_revoke(assignment=staff.roles.get(role=Role.COMPANY_STAFF), acting_user=None)
    assert relay() == 2  # the fan-out and the worker's inbox row
    assert list(InboxItem.objects.values_list("user", flat=True)) == [worker.pk]
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert relay() == 0
    assert InboxItem.objects.count() == 1


def test_relay_picks_webhooks_by_the_audiences_place_and_unit(world, relay):
    by_org = WebhookEndpoint.objects.create(name="o", url="http://127.0.0.1:9/o", org=world.company)
    by_street = WebhookEndpoint.objects.create(
        name="s", url="http://127.0.0.1:9/s", region=world.street
    )
    WebhookEndpoint.objects.create(name="x", url="http://127.0.0.1:9/x", region=world.street_b)
    _fanout(place=scope_columns_of(world.unit), org_id=world.company.pk)
    relay()
    assert set(
        OutboxMessage.objects.filter(channel=Channel.WEBHOOK).values_list("endpoint", flat=True)
    ) == {by_org.pk, by_street.pk}


def test_a_failed_expansion_is_retried_and_writes_nothing_half(world, relay, monkeypatch):
    from redprop.notifications import services

    message = _fanout(users=[world.users[Role.MAINTENANCE_WORKER].pk])

    def broken(_message):
        OutboxMessage.objects.create(
            kind="x", channel=Channel.INBOX, subject="half", recipient=world.users[Role.RESIDENT]
        )
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "_expand", broken)
    assert relay() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.RETRYING
    assert not OutboxMessage.objects.filter(subject="half").exists()  # rolled back


def test_inbox_messages_go_in_batches_exactly_once(world, relay, django_assert_max_num_queries):
    """Forty inbox messages: a few statements for the lot, one item each, all delivered;
    another pass finds nothing."""
    from redprop.notifications.services import deliver_inbox_batch, outbox_enqueue

    users = [world.users[r] for r in (Role.COMMUNITY_STAFF, Role.STREET_OFFICER)]
    for i in range(20):
        outbox_enqueue(kind="request.closed", subject=f"第{i}件", body="", recipients=users)
    assert OutboxMessage.objects.filter(channel=Channel.INBOX).count() == 40
    with django_assert_max_num_queries(6):
        assert deliver_inbox_batch() == 40
    assert InboxItem.objects.count() == 40
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}
    assert deliver_inbox_batch() == 0
    assert relay() == 0


def test_a_batch_that_fails_falls_back_to_one_by_one(world, relay, monkeypatch):
    from redprop.notifications import channels
    from redprop.notifications.services import outbox_enqueue

    staff = world.users[Role.COMMUNITY_STAFF]
    for i in range(3):
        outbox_enqueue(kind="request.closed", subject=f"第{i}件", body="", recipients=[staff])
    original = channels.inbox_item
    calls = {"n": 0}

    def flaky(message):
        calls["n"] += 1
        if calls["n"] == 2:  # the batch breaks on its second message, once
            raise RuntimeError("boom")
        return original(message)

    monkeypatch.setattr(channels, "inbox_item", flaky)
    assert relay() == 3
    assert InboxItem.objects.count() == 3
