"""The outbox relay (发件箱投递): delivers what the services queued, as soon as it is due.

Writers only insert outbox rows in their own transaction; this loop finds the due
ones (``outbox_sweep``: new messages, fan-outs to expand, retries) and delivers
them, then sleeps ``--interval`` seconds when there was nothing to do. Each message
is claimed before it is tried, so several relays may run side by side and a relay
killed mid-delivery loses nothing (the claim lapses and the message is tried again).
Its own process, so a slow webhook receiver delays notifications only, never the
SLA clock. ``--once`` runs one sweep. When the database is unreachable the loop
backs off and retries (``redprop.core.resilience.run_forever``) instead of exiting.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from redprop.core.models import Heartbeat
from redprop.core.resilience import run_forever
from redprop.notifications.services import outbox_sweep

log = logging.getLogger("redprop.outbox")

HEARTBEAT_EVERY = 10.0


class Command(BaseCommand):
    help = "Deliver the notification outbox continuously (or once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds to sleep when idle"
        )
        parser.add_argument("--batch", type=int, default=200)

    def handle(self, *args, once: bool, interval: float, batch: int, **options):
        last_beat = 0.0
        total = 0

        def step() -> float:
            nonlocal last_beat, total
            close_old_connections()
            delivered = outbox_sweep(limit=batch)
            total += delivered
            if time.monotonic() - last_beat > HEARTBEAT_EVERY or once:
                Heartbeat.beat("outbox", delivered=total)
                last_beat = time.monotonic()
            if once:
                self.stdout.write(f"delivered {delivered}")
            return 0.0 if delivered >= batch else interval

        # Keep relaying through errors: every delivery is claimed and idempotent.
        run_forever(step, log=log, name="relay", once=once)
