"""Verify the hash chains of the audit log and the PII access log.

Exits 0 when every chain is intact, 1 (CommandError) at the first broken row,
naming the log and the row id. Prints each chain's length and head hash: record
the head elsewhere (a ticket, a signed mail) to detect a truncated tail later.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from redprop.core.audit import LOGS, chain_verify, log_model


class Command(BaseCommand):
    help = "Verify the hash chains of the append-only logs; non-zero exit if one is broken."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--log", choices=sorted(LOGS), help="only this log (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        names = [options["log"]] if options["log"] else sorted(LOGS)
        broken = []
        for name in names:
            report = chain_verify(log_model(name))
            if report.ok:
                self.stdout.write(f"{name}: ok, {report.count} rows, head {report.head}")
            else:
                broken.append(name)
                self.stderr.write(
                    f"{name}: BROKEN at id {report.broken_at} ({report.reason} mismatch), "
                    f"after {report.count - 1} good rows"
                )
        if broken:
            raise CommandError(f"hash chain broken: {', '.join(broken)}")
