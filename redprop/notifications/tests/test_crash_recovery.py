"""Killing the relay between commit and delivery loses no notification.

These tests commit for real (``transaction=True``). The change writes one fan-out
row, as the services do; a real relay process (``manage.py run_outbox``) runs
against the test database, expands it and delivers, and is killed with SIGKILL in
the middle of a webhook call. Another pass then delivers what it left, once.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.notifications.audience import audience
from redprop.notifications.choices import Channel, OutboxStatus
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
from redprop.notifications.services import outbox_fanout, outbox_sweep

# Real commits; the flush afterwards removes reference data too, which build_world
# (the world fixture) puts back for whichever test comes next.
pytestmark = pytest.mark.django_db(transaction=True)


def _worker_env() -> dict[str, str] | None:
    """Environment for a worker process on *this* test database, or None if unsafe."""
    db = connection.settings_dict
    name = str(db["NAME"])
    if connection.vendor == "sqlite":
        if not name or name == ":memory:" or "mode=memory" in name:
            return None  # an in-memory database cannot be shared with another process
        url = f"sqlite:///{Path(name).resolve()}"
    elif connection.vendor == "postgresql":
        auth = quote(db["USER"] or "")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"])
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    else:
        return None
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}


def _start_relay(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = _worker_env()
    if env is None:
        pytest.skip("the test database cannot be shared with a relay process")
    log = (tmp_path / "worker.log").open("ab")
    return subprocess.Popen(  # noqa: S603 -- our own interpreter and manage.py
        [sys.executable, "manage.py", "run_outbox", "--interval", "0.1", *args],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _worker_log(tmp_path: Path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")[-3000:]


def _change_that_notifies(world, webhook_url: str) -> int:
    """A service-like write: the change and its fan-out row in one transaction."""
    WebhookEndpoint.objects.create(name="hook", url=webhook_url, org=world.company)
    with transaction.atomic():
        message = outbox_fanout(
            kind="request.dispatched",
            subject="新诉求",
            body="请处理",
            audience=audience(users=[world.users[Role.COMPANY_STAFF].pk], org_id=world.company.pk),
        )
    return message.pk


def _expanded(fanout_id: int) -> tuple[OutboxMessage, OutboxMessage]:
    inbox = OutboxMessage.objects.get(dedupe_key__startswith=f"fanout:{fanout_id}|inbox")
    webhook = OutboxMessage.objects.get(dedupe_key__startswith=f"fanout:{fanout_id}|webhook")
    return inbox, webhook


def test_a_change_committed_while_no_relay_runs_is_delivered_once(
    world, webhook_receiver, tmp_path
):
    """Commit with no relay running: nothing else was queued, nothing is lost; a relay
    started later delivers everything, and running it again delivers nothing twice."""
    fanout_id = _change_that_notifies(world, webhook_receiver.url)
    assert list(OutboxMessage.objects.values_list("pk", "status")) == [
        (fanout_id, OutboxStatus.PENDING)
    ]
    assert not InboxItem.objects.exists()

    for _ in range(2):
        relay = _start_relay(tmp_path, "--once")
        try:
            assert relay.wait(timeout=120) == 0, _worker_log(tmp_path)
        finally:
            relay.kill()
    assert InboxItem.objects.count() == 1
    assert len(webhook_receiver.hits) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert OutboxMessage.objects.count() == 3  # the fan-out, an inbox row, a webhook row


def test_a_relay_killed_mid_delivery_loses_nothing(world, webhook_receiver, tmp_path):
    """SIGKILL while the webhook call is in flight: retried after the lease, delivered."""
    webhook_receiver.hold_first = True  # the first POST gets no answer: the relay hangs there
    fanout_id = _change_that_notifies(world, webhook_receiver.url)
    relay = _start_relay(tmp_path)
    try:
        if not webhook_receiver.received.wait(timeout=120):
            pytest.fail(f"the relay never called the webhook:\n{_worker_log(tmp_path)}")
        relay.kill()  # SIGKILL: no cleanup, no except, no finally
        relay.wait(timeout=30)
    finally:
        relay.kill()
    killed_at = timezone.now()

    # The fan-out was expanded exactly once, in one transaction with its delivery.
    assert OutboxMessage.objects.get(pk=fanout_id).status == OutboxStatus.DELIVERED
    inbox, webhook = _expanded(fanout_id)
    # The inbox row went before the kill, in one transaction with its item.
    assert inbox.status == OutboxStatus.DELIVERED
    assert InboxItem.objects.filter(source=inbox).count() == 1
    # The webhook try was claimed and never finished: still open, leased for a while.
    assert webhook.channel == Channel.WEBHOOK
    assert webhook.status == OutboxStatus.PENDING
    assert webhook.attempts == 1
    assert webhook.next_attempt_at > killed_at

    # While the lease holds, nobody tries again (the dead relay might still be sending).
    assert outbox_sweep() == 0
    assert len(webhook_receiver.hits) == 1
    # Once it is over, the next pass delivers.
    webhook_receiver.release.set()
    later = webhook.next_attempt_at + dt.timedelta(seconds=1)
    assert outbox_sweep(now=later) == 1
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts) == (OutboxStatus.DELIVERED, 2)
    # Same delivery id both times: the receiver can tell the retry from a new event.
    assert webhook_receiver.deliveries == [str(webhook.pk)] * 2
    # Another pass finds nothing to do.
    assert outbox_sweep(now=later) == 0
    time.sleep(0.1)
    assert len(webhook_receiver.hits) == 2
    assert InboxItem.objects.count() == 1


def test_two_sweeps_at_once_send_each_message_once(world, webhook_receiver):
    """While one sweep is inside a webhook call, a second sweep leaves that message alone."""
    webhook_receiver.hold_first = True
    fanout_id = _change_that_notifies(world, webhook_receiver.url)
    results: list[int] = []

    def first_sweep() -> None:
        try:
            results.append(outbox_sweep())
        finally:
            connection.close()

    thread = threading.Thread(target=first_sweep)
    thread.start()
    try:
        assert webhook_receiver.received.wait(timeout=30)
        assert outbox_sweep() == 0  # the second sweep, while the first is mid-call
    finally:
        webhook_receiver.release.set()
        thread.join(timeout=30)
    _inbox, webhook = _expanded(fanout_id)
    assert results == [3]  # the fan-out, the inbox message and the webhook, all by the first
    assert webhook_receiver.deliveries == [str(webhook.pk)]
    assert OutboxMessage.objects.get(pk=webhook.pk).status == OutboxStatus.DELIVERED
