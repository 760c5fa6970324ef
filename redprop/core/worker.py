"""The task worker (任务进程) around django-tasks-db's ``db_worker``: outages and lost tasks.

django-tasks-db 0.13's worker exits on the first ``OperationalError`` that is not
SQLite's "database is locked", and a task whose worker died (killed, machine lost)
stays ``RUNNING`` forever: nothing ever looks at it again. ``manage.py run_worker``
runs the same worker loop with three additions:

* **Outages.** A database error ends the library's loop; ``run_worker`` backs off
  (``redprop.core.resilience.Backoff``), logs, waits for the database and starts the
  loop again. A task that was in hand when the database went away is put back to
  ``READY`` once it is reachable (the task ran at most partly; tasks are written to be
  re-run: at least once).
* **Life signs.** A thread beats ``Heartbeat("tw:<worker id>")`` every
  ``LIFE_SIGN_EVERY_S`` seconds (a quarter of the lease if that is shorter), also
  while a long task runs.
* **Abandoned tasks.** The same thread requeues ``RUNNING`` tasks whose last worker has
  shown no sign of life for ``REDPROP_TASK_LEASE_SECONDS`` (default 60): the dead
  worker's task is picked up again. A task that has already taken
  ``REDPROP_TASK_MAX_ATTEMPTS`` (3) workers down with it is marked ``FAILED`` instead
  (a poison task must not kill workers forever). A worker only judges the others after
  it has itself reached the database for a whole lease, so that after an outage
  nobody's silence is mistaken for death.

Run ``run_worker`` (not ``db_worker``) wherever tasks are run: a plain ``db_worker``
beats no life sign, so a task it runs for longer than the lease would be requeued.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from redprop.core.models import Heartbeat
from redprop.core.resilience import DB_UNAVAILABLE, Backoff, close_connections

log = logging.getLogger("redprop.worker")

LIFE_SIGN_PREFIX = "tw:"
LIFE_SIGN_EVERY_S = 10.0
DEFAULT_LEASE_S = 60
DEFAULT_MAX_ATTEMPTS = 3


class WorkerLost(Exception):
    """Recorded on a task that was running on a worker that died, too many times."""


def new_worker_id() -> str:
    return get_random_string(20)


def life_sign_name(worker_id: str) -> str:
    return (LIFE_SIGN_PREFIX + worker_id)[: Heartbeat._meta.get_field("name").max_length]


def lease_seconds() -> float:
    return float(getattr(settings, "REDPROP_TASK_LEASE_SECONDS", DEFAULT_LEASE_S))


def max_attempts() -> int:
    return int(getattr(settings, "REDPROP_TASK_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


@dataclass(frozen=True)
class Requeued:
    requeued: list[str]
    failed: list[str]


def tasks_requeue_abandoned(*, now: dt.datetime | None = None) -> Requeued:
    """Put ``RUNNING`` tasks of dead workers back to ``READY`` (or ``FAILED`` after
    ``max_attempts`` workers). Safe to run from every worker at once: the rows are
    locked with SKIP LOCKED and each is decided once."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=lease_seconds())
    alive = {
        name.removeprefix(LIFE_SIGN_PREFIX)
        for name in Heartbeat.objects.filter(
            name__startswith=LIFE_SIGN_PREFIX, at__gte=now - lease
        ).values_list("name", flat=True)
    }
    requeued: list[str] = []
    failed: list[str] = []
    with transaction.atomic():
        rows = DBTaskResult.objects.running().filter(started_at__lt=now - lease)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        for row in rows.order_by("started_at")[:100]:
            last = row.worker_ids[-1] if row.worker_ids else ""
            if life_sign_name(last).removeprefix(LIFE_SIGN_PREFIX) in alive:
                continue
            if len(row.worker_ids) >= max_attempts():
                row.set_failed(WorkerLost(f"{len(row.worker_ids)} workers died running this task"))
                failed.append(str(row.pk))
            else:
                row.status = TaskResultStatus.READY
                row.save(update_fields=["status"])
                requeued.append(str(row.pk))
        # Life signs of workers long gone: keep the table small.
        Heartbeat.objects.filter(
            name__startswith=LIFE_SIGN_PREFIX, at__lt=now - 10 * lease
        ).delete()
    for pk in requeued:
        log.warning("task %s was left running by a dead worker: requeued", pk)
    for pk in failed:
        log.error("task %s took %d workers down with it: marked failed", pk, max_attempts())
    return Requeued(requeued, failed)


def task_requeue_own(*, task_id: str, worker_id: str) -> bool:
    """Put back a task this worker had in hand when the database went away."""
    row = DBTaskResult.objects.filter(pk=task_id, status=TaskResultStatus.RUNNING).first()
    if row is None or not row.worker_ids or row.worker_ids[-1] != worker_id:
        return False  # finished after all, or already requeued and taken by another
    return bool(
        DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at
        ).update(status=TaskResultStatus.READY)
    )


class LifeSign(threading.Thread):
    """Beats this worker's heartbeat and requeues the tasks of dead workers."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="life-sign", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()
        self.reachable_since: float | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                Heartbeat.beat(life_sign_name(self.worker_id))
                if self.reachable_since is None:
                    self.reachable_since = time.monotonic()
                if time.monotonic() - self.reachable_since >= lease_seconds():
                    tasks_requeue_abandoned()
            except DB_UNAVAILABLE:
                self.reachable_since = None
                close_connections()
            except Exception:
                log.exception("worker life sign failed")
                close_connections()
            self.stopping.wait(min(LIFE_SIGN_EVERY_S, lease_seconds() / 4))
        close_connections()


class ResilientWorker(Worker):
    """django-tasks-db's worker that remembers the task in hand."""

    in_hand: str | None = None

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.in_hand = str(db_task_result.pk)
        super().run_task(db_task_result)  # a database error propagates with in_hand set
        self.in_hand = None


def wait_for_database(backoff: Backoff, *, sleep=time.sleep) -> None:
    """Return once ``SELECT 1`` works, backing off and logging meanwhile."""
    while True:
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
        except DB_UNAVAILABLE as exc:
            close_connections()
            delay = backoff.failed()
            log.warning(
                "worker: database unavailable (%s); retry %d in %.1f s",
                exc.__class__.__name__,
                backoff.failures,
                delay,
                extra={
                    "event": "db_unavailable",
                    "component": "worker",
                    "retry_in_s": round(delay, 1),
                },
            )
            sleep(delay)
            continue
        down = backoff.succeeded()
        if down is not None:
            log.warning(
                "worker: database back after %.1f s",
                down,
                extra={"event": "db_recovered", "component": "worker", "down_s": round(down, 1)},
            )
        return


def run(worker: ResilientWorker) -> None:
    """Run the library's loop until it ends by itself, riding out database outages."""
    backoff = Backoff()
    life = LifeSign(worker.worker_id)
    life.start()
    try:
        while True:
            wait_for_database(backoff)
            try:
                if worker.in_hand is not None:
                    if task_requeue_own(task_id=worker.in_hand, worker_id=worker.worker_id):
                        log.warning("task %s interrupted by the outage: requeued", worker.in_hand)
                    worker.in_hand = None
                worker.run()
                return
            except DB_UNAVAILABLE as exc:
                close_connections()
                worker.startup_delay = False
                log.warning(
                    "worker: database lost (%s); the worker loop waits for it",
                    exc.__class__.__name__,
                    extra={"event": "db_unavailable", "component": "worker"},
                )
                if not worker.running:
                    return
    finally:
        life.stopping.set()
