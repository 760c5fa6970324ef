"""``manage.py restore DIR``: restore a backup into an empty database and verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from redprop.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup directory into the (empty) database and media root, then verify it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("source", help="a backup directory written by bin/backup")

    def handle(self, *args: Any, source: str, **options: Any) -> None:
        try:
            done = restore(Path(source))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored and verified: {done['tables']} tables, {done['rows']} rows "
            f"(counts and checksums equal to the backup's), {done['media_files']} files"
        )
