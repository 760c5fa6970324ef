"""The periodic clock: SLA warnings/breaches/escalations, auto-close.

django-tasks has no scheduler, so this small loop is the platform's timer. Each
sweep is idempotent (unique checkpoints), so running
it after a crash, twice, or on several machines is safe. ``--once`` runs one pass.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from redprop.core.models import Heartbeat

log = logging.getLogger("redprop.clock")


def one_pass() -> dict[str, int]:
    from redprop.requests.services import auto_close_sweep, sla_sweep

    # Notifications are delivered by their own process (manage.py run_outbox), so a
    # slow webhook receiver never delays the SLA clock.
    result = {"sla": sla_sweep(), "closed": auto_close_sweep()}
    Heartbeat.beat("clock", **result)
    return result


class Command(BaseCommand):
    help = "Run the SLA clock every few seconds (or once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=15.0)

    def handle(self, *args, once: bool, interval: float, **options):
        while True:
            close_old_connections()
            try:
                result = one_pass()
                if options["verbosity"] > 1 or once:
                    self.stdout.write(str(result))
            except Exception:  # keep ticking: the next pass retries (every sweep is idempotent)
                log.exception("clock pass failed")
                if once:
                    raise
            if once:
                return
            time.sleep(interval)
