"""The task worker's heartbeat: a ping that only a running ``db_worker`` can answer.

The clock beats its own row each pass (``run_clock``). The task worker has no
loop of ours to hook, so ``/healthz`` asks it: when the worker's last answer is
older than a quarter of the allowed age it enqueues the tiny ``heartbeat`` task, and a worker
that takes the job writes the ``worker`` row. The ``worker.ping`` row keeps when
the oldest unanswered ping was sent; a ping left unanswered for longer than the
allowed age means the worker is down (or the queue is that far behind, which is
as bad for notifications).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django_tasks import task

from redprop.core.models import Heartbeat

WORKER = "worker"
PING = "worker.ping"


@task()
def heartbeat() -> None:
    """Run by the task worker: leave its sign of life."""
    Heartbeat.beat(WORKER)


@dataclass(frozen=True)
class WorkerState:
    state: str  # ok | pending (a first ping is on its way) | stale
    age_s: float | None  # seconds since the worker last answered
    ping_wait_s: float | None  # seconds the oldest unanswered ping has waited


def worker_state(*, beats: dict[str, Heartbeat], now: dt.datetime, max_age_s: float) -> WorkerState:
    """Judge the worker from the rows read by healthz, pinging it when due."""
    answered = beats.get(WORKER)
    ping = beats.get(PING)
    age = (now - answered.at).total_seconds() if answered else None
    outstanding = ping is not None and (answered is None or answered.at < ping.at)
    wait = (now - ping.at).total_seconds() if outstanding and ping else None
    if not outstanding and (age is None or age > max_age_s / 4):
        _send_ping(ping, now, first=now)
    elif outstanding and ping and _last_sent_age(ping, now) > max_age_s:
        _send_ping(ping, now, first=ping.at)  # the job may be lost: send another, keep the age
    if age is not None and age <= max_age_s:
        return WorkerState("ok", age, wait)
    if wait is not None and wait > max_age_s:
        return WorkerState("stale", age, wait)
    return WorkerState("pending", age, wait)


def _last_sent_age(ping: Heartbeat, now: dt.datetime) -> float:
    try:
        sent = dt.datetime.fromisoformat(ping.info["sent"])
    except (KeyError, TypeError, ValueError):
        return float("inf")
    return (now - sent).total_seconds()


def _send_ping(ping: Heartbeat | None, now: dt.datetime, *, first: dt.datetime) -> None:
    """Record the ping, then enqueue it; when app processes race, one of them sends."""
    info = {"sent": now.isoformat()}
    if ping is None:
        _, created = Heartbeat.objects.get_or_create(
            name=PING, defaults={"at": first, "info": info}
        )
        if not created:
            return
    else:
        won = Heartbeat.objects.filter(pk=ping.pk, at=ping.at, info=ping.info).update(
            at=first, info=info
        )
        if not won:
            return
    heartbeat.enqueue()


def read_beats() -> dict[str, Heartbeat]:
    return {b.name: b for b in Heartbeat.objects.filter(name__in=["clock", "outbox", WORKER, PING])}
