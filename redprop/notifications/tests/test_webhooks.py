"""Webhooks against a real HTTP server on 127.0.0.1: signature, backoff, dead letters."""

import datetime as dt
import hashlib
import hmac
import json
import socket

import pytest
from django.test import override_settings
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core.models import AuditLog
from redprop.notifications.choices import Channel, OutboxStatus
from redprop.notifications.models import OutboxMessage, WebhookEndpoint
from redprop.notifications.services import backoff, deliver, outbox_enqueue, outbox_sweep

pytestmark = pytest.mark.django_db

SECRET = "s3cret-shared-with-the-receiver"


def _endpoint(world, url, **kw):
    return WebhookEndpoint.objects.create(
        name="district system", url=url, secret=SECRET, org=world.company, **kw
    )


def _enqueue_webhook(world, **kw):
    (message,) = outbox_enqueue(
        kind="request.dispatched",
        subject="新诉求",
        body="",
        payload={"request": 7, "number": "R-7"},
        target=world.unit,
        org_id=world.company.pk,
        **kw,
    )
    assert message.channel == Channel.WEBHOOK
    return message


def _verify(hit, secret=SECRET):
    """What a receiver does: recompute the HMAC over "{timestamp}.{body}" and compare."""
    timestamp = hit.headers["x-redprop-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + hit.body, hashlib.sha256
    ).hexdigest()
    scheme, _, given = hit.headers["x-redprop-signature"].partition("=")
    return scheme == "sha256" and hmac.compare_digest(given, expected)


def test_webhook_post_is_signed_and_carries_the_event(world, webhook_receiver, relay):
    _endpoint(world, webhook_receiver.url)
    message = _enqueue_webhook(world)
    assert relay() == 1
    (hit,) = webhook_receiver.hits
    assert _verify(hit)
    assert not _verify(hit, secret="another-secret")
    assert hit.headers["x-redprop-event"] == "request.dispatched"
    assert hit.headers["x-redprop-delivery"] == str(message.pk)
    assert hit.headers["content-type"].startswith("application/json")
    doc = json.loads(hit.body)
    assert doc == {
        "id": message.pk,
        "kind": "request.dispatched",
        "created_at": message.created_at.isoformat(),
        "payload": {"request": 7, "number": "R-7"},
        "target": {"type": "territory.unit", "id": str(world.unit.pk)},
    }
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 1)


def test_a_tampered_body_fails_verification(world, webhook_receiver):
    _endpoint(world, webhook_receiver.url)
    _enqueue_webhook(world)
    outbox_sweep()
    (hit,) = webhook_receiver.hits
    hit.body = hit.body.replace(b"R-7", b"R-8")
    assert not _verify(hit)


def test_backoff_doubles_from_the_base_and_is_capped_at_six_hours(settings):
    settings.REDPROP_OUTBOX_RETRY_BASE_SECONDS = 30
    assert [backoff(n).total_seconds() for n in range(1, 9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3840,
    ]
    assert backoff(11) == dt.timedelta(hours=6)
    assert backoff(500) == dt.timedelta(hours=6)


@override_settings(REDPROP_OUTBOX_RETRY_BASE_SECONDS=30, REDPROP_OUTBOX_MAX_ATTEMPTS=8)
def test_failed_deliveries_are_retried_on_the_backoff_schedule(world, webhook_receiver):
    """500, 500, 500, then 200: tried at t0, t0+30s, t0+90s, t0+210s; never early."""
    webhook_receiver.fail_first = 3
    _endpoint(world, webhook_receiver.url)
    message = _enqueue_webhook(world)
    t0 = message.next_attempt_at
    expected_tries = [t0, t0 + dt.timedelta(seconds=30), t0 + dt.timedelta(seconds=90)]
    for n, at in enumerate(expected_tries, start=1):
        # A second before the retry is due, the sweep leaves it alone.
        if n > 1:
            assert outbox_sweep(now=at - dt.timedelta(seconds=1)) == 0
            assert len(webhook_receiver.hits) == n - 1
        assert outbox_sweep(now=at) == 0
        message.refresh_from_db()
        assert len(webhook_receiver.hits) == n
        assert message.status == OutboxStatus.RETRYING
        assert message.attempts == n
        assert message.next_attempt_at == at + backoff(n)
        assert "HTTP 500" in message.last_error
    fourth = t0 + dt.timedelta(seconds=210)
    assert message.next_attempt_at == fourth
    assert outbox_sweep(now=fourth) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.delivered_at) == (
        OutboxStatus.DELIVERED,
        4,
        fourth,
    )
    # One delivery id for every try, so the receiver can drop duplicates; each try signed.
    assert webhook_receiver.deliveries == [str(message.pk)] * 4
    assert all(_verify(h) for h in webhook_receiver.hits)
    # Delivered is final: later sweeps and direct calls do nothing.
    assert outbox_sweep(now=fourth + dt.timedelta(days=1)) == 0
    assert deliver(message.pk, now=fourth + dt.timedelta(days=1)) is False
    assert len(webhook_receiver.hits) == 4


@override_settings(REDPROP_OUTBOX_RETRY_BASE_SECONDS=30, REDPROP_OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_last_try_the_message_is_a_dead_letter(world, webhook_receiver):
    webhook_receiver.fail_first = 10**6
    _endpoint(world, webhook_receiver.url)
    message = _enqueue_webhook(world)
    now = message.next_attempt_at
    for _ in range(3):
        outbox_sweep(now=now)
        message.refresh_from_db()
        now = message.next_attempt_at
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 3
    assert message.last_error == "第 3 次：HTTP 500"
    assert message.delivered_at is None
    # Dead letters stay where they are: no more tries, ever.
    assert outbox_sweep(now=now + dt.timedelta(days=30)) == 0
    assert len(webhook_receiver.hits) == 3


def test_sysadmin_requeues_a_dead_letter_from_the_admin(world, webhook_receiver, relay):
    webhook_receiver.fail_first = 1
    _endpoint(world, webhook_receiver.url)
    with override_settings(REDPROP_OUTBOX_MAX_ATTEMPTS=1):
        message = _enqueue_webhook(world)
        outbox_sweep()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD

    changelist = "/admin/notifications/outboxmessage/"
    data = {"action": "retry_now", "_selected_action": [message.pk]}
    refused = world.client(Role.COMMUNITY_STAFF).post(changelist, data)
    assert refused.status_code == 403
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD

    response = world.client(Role.SYSADMIN).post(changelist, data)
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)
    relay()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 1)
    assert message.last_error == "第 1 次：HTTP 500"  # the history of the first series stays
    assert len(webhook_receiver.hits) == 2
    log = AuditLog.objects.get(target_type="notifications.outboxmessage")
    assert log.actor == world.users[Role.SYSADMIN]
    assert log.extra == {"action": "outbox_retry"}


def test_an_unreachable_endpoint_is_retried(world):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _endpoint(world, f"http://127.0.0.1:{port}/hook")
    message = _enqueue_webhook(world)
    assert outbox_sweep() == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.RETRYING
    assert "网络错误" in message.last_error


def test_a_switched_off_endpoint_gets_nothing_more(world, webhook_receiver):
    endpoint = _endpoint(world, webhook_receiver.url)
    message = _enqueue_webhook(world)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    outbox_sweep()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert webhook_receiver.hits == []


def test_a_redirect_is_not_a_delivery(world, webhook_receiver):
    """urllib would follow a 302 with a GET that answers 200; the outbox counts a failure."""
    webhook_receiver.fail_first = 1
    webhook_receiver.fail_status = 302
    _endpoint(world, webhook_receiver.url)
    message = _enqueue_webhook(world)
    assert outbox_sweep() == 0
    message.refresh_from_db()
    assert (message.status, message.last_error) == (OutboxStatus.RETRYING, "第 1 次：HTTP 302")
    assert [h.method for h in webhook_receiver.hits] == ["POST"]


def test_a_message_not_yet_due_is_left_alone(world, webhook_receiver):
    _endpoint(world, webhook_receiver.url)
    message = _enqueue_webhook(world)
    later = timezone.now() + dt.timedelta(hours=1)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=later)
    assert deliver(message.pk) is False
    assert outbox_sweep() == 0
    assert webhook_receiver.hits == []
    assert deliver(message.pk, now=later) is True
