"""Load one year of a holiday table: from the State Council's notice typed into a
CSV file (redprop/calendars/imports.py says the format), or from what the installed
libraries know (``--from-library``). Replaces the year as a whole, audited; the
deadlines that run over the year are recomputed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from redprop.calendars import services
from redprop.calendars.choices import YearStatus
from redprop.calendars.imports import parse_days
from redprop.calendars.library import library_year
from redprop.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Load a year's holidays and adjusted working days into a holiday table."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--table", default="CN")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--file", type=Path, help="CSV: date,kind,name (kind off|workday)")
        source.add_argument("--from-library", action="store_true")
        parser.add_argument(
            "--source", default="", help="the notice's title and number (required with --file)"
        )
        parser.add_argument(
            "--provisional", action="store_true", help="not yet checked against the notice"
        )
        parser.add_argument("--user", default="", help="username recorded on the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        from redprop.accounts.models import User

        year = options["year"]
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no user {options['user']!r}")
        try:
            if options["from_library"]:
                known = library_year(year)
                if known is None:
                    raise CommandError(f"the installed libraries do not know {year}")
                status, source, rows = known
                days = [services.DayRow(d, k, n) for d, k, n in rows]
            else:
                days = parse_days(options["file"].read_text(encoding="utf-8"))
                source = options["source"]
                status = YearStatus.OFFICIAL
            if options["provisional"]:
                status = YearStatus.PROVISIONAL
            loaded = services.holiday_year_load(
                table_code=options["table"],
                year=year,
                days=days,
                source=source,
                status=status,
                acting_user=user,
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        if options["verbosity"]:
            self.stdout.write(
                f"{loaded}: {loaded.days.count()} days ({loaded.get_status_display()}), "
                f"source: {loaded.source}"
            )
