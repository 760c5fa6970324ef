"""``manage.py backup --out DIR``: a consistent backup (see redprop/core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from redprop.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database and the uploaded files, with a manifest to verify a restore."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", default="var/backups", help="directory to write into")

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        try:
            target = backup(Path(out))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(target))
