"""Killing the worker between commit and delivery loses no notification.

These tests commit for real (``transaction=True``) and queue the delivery task in
the django-tasks database backend, as production does. A real ``db_worker``
process runs against the test database and is killed with SIGKILL; the sweep then
delivers what it left, and the task that runs late delivers nothing twice.
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
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from redprop.accounts.choices import Role
from redprop.notifications.choices import Channel, OutboxStatus
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
from redprop.notifications.services import outbox_enqueue, outbox_sweep
from redprop.notifications.tasks import deliver_messages

DB_QUEUE = "django_tasks_db.DatabaseBackend"

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
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": url,
        "REDPROP_TEST_TASKS_BACKEND": DB_QUEUE,
    }


def _start_worker(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    env = _worker_env()
    if env is None:
        pytest.skip("the test database cannot be shared with a worker process")
    log = (tmp_path / "worker.log").open("wb")
    return subprocess.Popen(  # noqa: S603 -- our own interpreter and manage.py
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-startup-delay",
            "--interval",
            "0.1",
            *args,
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _worker_log(tmp_path: Path) -> str:
    return (tmp_path / "worker.log").read_text(errors="replace")[-3000:]


def _change_that_notifies(world, webhook_url: str) -> list[int]:
    """A service-like write: the change and its outbox rows in one transaction."""
    WebhookEndpoint.objects.create(name="hook", url=webhook_url, org=world.company)
    with transaction.atomic():
        messages = outbox_enqueue(
            kind="request.dispatched",
            subject="新诉求",
            body="请处理",
            recipients=[world.users[Role.COMPANY_STAFF]],
            org_id=world.company.pk,
        )
    return [m.pk for m in messages]


@override_settings(TASKS={"default": {"BACKEND": DB_QUEUE}})
def test_a_delivery_task_that_never_runs_loses_nothing(world, webhook_receiver, tmp_path):
    """Commit, then the worker is gone before it runs the task: the sweep delivers, once."""
    ids = _change_that_notifies(world, webhook_receiver.url)
    task = DBTaskResult.objects.get()
    assert task.status == "READY"
    assert task.args_kwargs["args"] == [ids]
    # Committed and queued, nothing delivered yet.
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.PENDING}
    assert not InboxItem.objects.exists()

    assert outbox_sweep() == 2
    assert InboxItem.objects.count() == 1
    assert len(webhook_receiver.hits) == 1

    # The lost task turns up after all (a worker starts again): it delivers nothing twice.
    worker = _start_worker(tmp_path, "--batch")
    try:
        assert worker.wait(timeout=120) == 0, _worker_log(tmp_path)
    finally:
        worker.kill()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", _worker_log(tmp_path)
    assert task.return_value == 0
    assert InboxItem.objects.count() == 1
    assert len(webhook_receiver.hits) == 1
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


@override_settings(TASKS={"default": {"BACKEND": DB_QUEUE}})
def test_a_worker_killed_mid_delivery_loses_nothing(world, webhook_receiver, tmp_path):
    """SIGKILL while the webhook call is in flight: retried after the lease, delivered."""
    webhook_receiver.hold_first = True  # the first POST gets no answer: the worker hangs there
    ids = _change_that_notifies(world, webhook_receiver.url)
    inbox_id, webhook_id = ids
    worker = _start_worker(tmp_path)
    try:
        if not webhook_receiver.received.wait(timeout=120):
            pytest.fail(f"the worker never called the webhook:\n{_worker_log(tmp_path)}")
        worker.kill()  # SIGKILL: no cleanup, no except, no finally
        worker.wait(timeout=30)
    finally:
        worker.kill()
    killed_at = timezone.now()

    inbox = OutboxMessage.objects.get(pk=inbox_id)
    webhook = OutboxMessage.objects.get(pk=webhook_id)
    # The inbox row went before the kill, in one transaction with its item.
    assert inbox.status == OutboxStatus.DELIVERED
    assert InboxItem.objects.filter(source=inbox).count() == 1
    # The webhook try was claimed and never finished: still open, leased for a while.
    assert webhook.channel == Channel.WEBHOOK
    assert webhook.status == OutboxStatus.PENDING
    assert webhook.attempts == 1
    assert webhook.next_attempt_at > killed_at
    # The task row stays "running" forever; django-tasks does not rerun it. The sweep must.
    assert DBTaskResult.objects.get().status == "RUNNING"

    # While the lease holds, nobody tries again (the dead worker might still be sending).
    assert outbox_sweep() == 0
    assert len(webhook_receiver.hits) == 1
    # Once it is over, the sweep delivers.
    webhook_receiver.release.set()
    later = webhook.next_attempt_at + dt.timedelta(seconds=1)
    assert outbox_sweep(now=later) == 1
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts) == (OutboxStatus.DELIVERED, 2)
    # Same delivery id both times: the receiver can tell the retry from a new event.
    assert webhook_receiver.deliveries == [str(webhook_id)] * 2

    # Running the queued task now delivers nothing twice.
    assert deliver_messages.call(ids) == 0
    time.sleep(0.1)
    assert len(webhook_receiver.hits) == 2
    assert InboxItem.objects.count() == 1


@override_settings(TASKS={"default": {"BACKEND": DB_QUEUE}})
def test_two_sweeps_at_once_send_each_message_once(world, webhook_receiver):
    """While one sweep is inside a webhook call, a second sweep leaves that message alone."""
    webhook_receiver.hold_first = True
    (webhook_id,) = _change_that_notifies(world, webhook_receiver.url)[1:]
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
    assert results == [2]  # the inbox message and the webhook, both by the first sweep
    assert webhook_receiver.deliveries == [str(webhook_id)]
    assert OutboxMessage.objects.get(pk=webhook_id).status == OutboxStatus.DELIVERED
