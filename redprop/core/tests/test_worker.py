"""run_worker: a task left RUNNING by a dead worker is requeued (or failed after too many
deaths); a live worker's task is left alone. The subprocess version (a worker really
killed mid-task under bin/serve) is in test_serve_faults."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from redprop.core import worker
from redprop.core.models import Heartbeat
from redprop.core.tasks import heartbeat

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _claimed(*worker_ids: str, started_ago_s: float) -> DBTaskResult:
    """A task enqueued and claimed by each worker in turn, as db_worker does."""
    with override_settings(TASKS=DB_TASKS):
        result = heartbeat.enqueue()
    row = DBTaskResult.objects.get(pk=result.id)
    for wid in worker_ids:
        row.claim(wid)
    DBTaskResult.objects.filter(pk=row.pk).update(
        started_at=timezone.now() - dt.timedelta(seconds=started_ago_s)
    )
    return row


def _status(row: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=row.pk).status


@override_settings(REDPROP_TASK_LEASE_SECONDS=60, REDPROP_TASK_MAX_ATTEMPTS=3)
def test_a_task_of_a_silent_worker_is_requeued():
    row = _claimed("dead", started_ago_s=300)
    Heartbeat.objects.create(
        name=worker.life_sign_name("dead"), at=timezone.now() - dt.timedelta(seconds=90)
    )
    done = worker.tasks_requeue_abandoned()
    assert done.requeued == [str(row.pk)]
    assert _status(row) == TaskResultStatus.READY
    # Ready means a worker takes it again: it is in the queue a worker reads.
    assert DBTaskResult.objects.ready().filter(pk=row.pk).exists()


@override_settings(REDPROP_TASK_LEASE_SECONDS=60)
def test_a_task_of_a_live_worker_is_left_alone():
    """A long task on a worker that still beats (its thread beats during the task)."""
    row = _claimed("alive", started_ago_s=3600)
    Heartbeat.beat(worker.life_sign_name("alive"))
    assert worker.tasks_requeue_abandoned().requeued == []
    assert _status(row) == TaskResultStatus.RUNNING


@override_settings(REDPROP_TASK_LEASE_SECONDS=60)
def test_a_task_just_claimed_is_left_alone():
    """Claimed seconds ago by a worker whose first life sign is not written yet."""
    row = _claimed("new", started_ago_s=5)
    assert worker.tasks_requeue_abandoned().requeued == []
    assert _status(row) == TaskResultStatus.RUNNING


@override_settings(REDPROP_TASK_LEASE_SECONDS=60, REDPROP_TASK_MAX_ATTEMPTS=3)
def test_a_task_that_took_three_workers_down_is_failed():
    row = _claimed("w1", "w2", "w3", started_ago_s=300)
    done = worker.tasks_requeue_abandoned()
    assert done.failed == [str(row.pk)]
    stored = DBTaskResult.objects.get(pk=row.pk)
    assert stored.status == TaskResultStatus.FAILED
    assert stored.exception_class_path == "redprop.core.worker.WorkerLost"


def test_an_interrupted_task_of_this_worker_goes_back_to_ready():
    """The database went away mid-task: once back, the worker puts its task back."""
    row = _claimed("me", started_ago_s=1)
    assert worker.task_requeue_own(task_id=str(row.pk), worker_id="other") is False
    assert worker.task_requeue_own(task_id=str(row.pk), worker_id="me") is True
    assert _status(row) == TaskResultStatus.READY
