"""The periodic clock: SLA warnings/breaches/escalations, auto-close, and the sweeps
the other apps register (mediation deadlines, fee reminders, notice expiry).

django-tasks has no scheduler, so this small loop is the platform's timer. Each
sweep is idempotent (unique checkpoints), so running
it after a crash, twice, or on several machines is safe. ``--once`` runs one pass.
When the database is unreachable the loop backs off and retries
(``redprop.core.resilience.run_forever``) instead of exiting.
"""

from __future__ import annotations

import logging

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from redprop.core.models import Heartbeat
from redprop.core.resilience import run_forever
from redprop.core.sweeps import run_all

log = logging.getLogger("redprop.clock")


def one_pass() -> dict[str, int]:
    """Every registered sweep once (``redprop.core.sweeps``: the requests' SLA sweep and
    auto-close, then the mechanisms' own, each registered by its app)."""
    # Notifications are delivered by their own process (manage.py run_outbox), so a
    # slow webhook receiver never delays the SLA clock.
    result = run_all()
    Heartbeat.beat("clock", **result)
    return result


class Command(BaseCommand):
    help = "Run the SLA clock every few seconds (or once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")
        parser.add_argument("--interval", type=float, default=15.0)

    def handle(self, *args, once: bool, interval: float, **options):
        def step() -> float:
            close_old_connections()
            result = one_pass()
            if options["verbosity"] > 1 or once:
                self.stdout.write(str(result))
            return interval

        # Keep ticking through errors: the next pass retries (every sweep is idempotent).
        run_forever(step, log=log, name="clock", once=once)
