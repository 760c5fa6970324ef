"""Verify the books: every entry balances, every unit's receivable and credit equal
its history (``redprop.fees.checks``). Exits 1 when something is wrong (for CI)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from redprop.fees.checks import check_books
from redprop.fees.models import Bill, JournalEntry, Payment


class Command(BaseCommand):
    help = "Check that the fee ledger balances and matches bills and payments."

    def handle(self, *args, **options):
        problems = check_books()
        for line in problems:
            self.stderr.write(line)
        if problems:
            raise CommandError(f"fees_check: {len(problems)} problem(s)")
        self.stdout.write(
            f"fees_check: ok — {JournalEntry.objects.count()} entries, "
            f"{Bill.objects.count()} bills, {Payment.objects.count()} payments balance"
        )
