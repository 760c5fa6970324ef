"""Export the audit log or the PII access log as CSV or JSON Lines (itself audited).

    manage.py audit_export --log audit --format jsonl --since 2026-01-01 --output a.jsonl

Rows come in id order with ``prev_hash``/``row_hash`` and the hashed fields in their
canonical form, so the file can be re-verified outside the platform.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from redprop.core.audit import EXPORT_FORMATS, LOGS, audit_log_export, log_model


def _date(value: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class Command(BaseCommand):
    help = "Export an append-only log as CSV or JSONL; the export is recorded in the audit log."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--log", choices=sorted(LOGS), required=True)
        parser.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
        parser.add_argument("--since", help="from this day (YYYY-MM-DD, inclusive)")
        parser.add_argument("--until", help="up to this day (YYYY-MM-DD, exclusive)")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _date(options["since"]) if options["since"] else None
        until = _date(options["until"]) if options["until"] else None
        lines = audit_log_export(
            model=log_model(options["log"]),
            fmt=options["format"],
            since=since,
            until=until,
            acting_user=None,
            via="command",
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as out:
                out.writelines(lines)
        else:
            for line in lines:
                self.stdout.write(line, ending="")
