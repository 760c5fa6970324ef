"""Riding out a database outage (数据库中断): what the background loops share.

A database that blips for seconds must cost seconds. The clock, the outbox relay and
the task worker (``run_clock``, ``run_outbox``, ``run_worker``) run their passes
through :func:`run_forever`: when the database cannot be reached, a pass fails with
``OperationalError`` or ``InterfaceError``; the loop closes the broken connection,
logs one warning per retry and tries again after an exponential backoff (0.5 s,
1 s, 2 s, 4 s, then every 8 s, with jitter), and logs how long the database was away
once a pass succeeds again. Nothing is lost meanwhile: every pass is idempotent and
the work waits in the database. The web side maps the same errors to 503
(``redprop.core.middleware``). See docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections

# What a lost or refused database connection raises through Django. OperationalError
# also covers transient conditions of a live server (a deadlock victim, a cancelled
# statement, SQLite's "database is locked"): retrying those after a pause is right too.
DB_UNAVAILABLE: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

BACKOFF_BASE_S = 0.5
BACKOFF_CAP_S = 8.0
ERROR_PAUSE_S = 5.0


def close_connections() -> None:
    """Drop every connection of this thread, broken or not; the next query reconnects."""
    for conn in connections.all(initialized_only=True):
        # A broken connection may fail to close; it is gone anyway.
        with contextlib.suppress(Exception):
            conn.close()


class Backoff:
    """Exponential backoff with full jitter, and the length of the outage it covers."""

    def __init__(self, *, base: float = BACKOFF_BASE_S, cap: float = BACKOFF_CAP_S) -> None:
        self.base = base
        self.cap = cap
        self.failures = 0
        self.down_since: float | None = None

    def failed(self) -> float:
        """Record a failure; return how long to wait before the next try."""
        if self.down_since is None:
            self.down_since = time.monotonic()
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** (self.failures - 1))
        # Jitter spreads the reconnects of many processes after a restart of the server.
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 -- not cryptographic

    def succeeded(self) -> float | None:
        """Record a success; return the outage's length in seconds if there was one."""
        if self.down_since is None:
            return None
        down = time.monotonic() - self.down_since
        self.failures = 0
        self.down_since = None
        return down


def run_forever(
    step: Callable[[], float],
    *,
    log: logging.Logger,
    name: str,
    once: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Call ``step`` again and again; it returns how many seconds to sleep after it.

    Database unavailable: back off, log, retry. Any other error: log it with its
    traceback and carry on after ``ERROR_PAUSE_S`` (a bug in one pass must not stop the
    clock). ``once``: one pass, errors raised.
    """
    backoff = Backoff()
    while True:
        try:
            pause = step()
        except DB_UNAVAILABLE as exc:
            if once:
                raise
            close_connections()
            delay = backoff.failed()
            log.warning(
                "%s: database unavailable (%s: %s); retry %d in %.1f s",
                name,
                exc.__class__.__name__,
                str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                backoff.failures,
                delay,
                extra={"event": "db_unavailable", "component": name, "retry_in_s": round(delay, 1)},
            )
            sleep(delay)
            continue
        except Exception:
            if once:
                raise
            log.exception("%s: pass failed", name, extra={"component": name})
            close_connections()
            sleep(ERROR_PAUSE_S)
            continue
        down = backoff.succeeded()
        if down is not None:
            log.warning(
                "%s: database back after %.1f s",
                name,
                down,
                extra={"event": "db_recovered", "component": name, "down_s": round(down, 1)},
            )
        if once:
            return
        if pause > 0:
            sleep(pause)
