"""The demo's red company: a year of books that pass fees_check, at 0.45 元/m², with
rent and subsidy covering the gap."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from redprop.demo.seed import run_seed
from redprop.demo.seed.fees import seed_fees
from redprop.fees.models import Bill, Disclosure, FeeSchedule
from redprop.fees.selectors import gap_ledger

pytestmark = pytest.mark.django_db


def test_demo_books_balance_and_cover_the_gap():
    import datetime as dt
    from decimal import Decimal

    ctx = run_seed(seed=3, scale=0.05, registered=False)
    seed_fees(ctx)
    assert Bill.objects.exists()
    assert set(FeeSchedule.objects.values_list("rate", flat=True)) == {Decimal("0.4500")}
    call_command("fees_check")  # raises CommandError when the books are wrong
    company = next(c for c in ctx.red_companies if "径河" in c.name)
    start = ctx.today.replace(day=1) - dt.timedelta(days=200)
    months = gap_ledger(
        company_id=company.pk, start=start.replace(day=1), end=ctx.today.replace(day=1)
    )
    full = [m for m in months if m.billed]
    assert full
    for m in full:
        assert m.gap > 0  # the fee alone does not pay for the service
        assert m.covered >= m.gap * 99 // 100  # rent and subsidy cover it (to rounding)
    assert Disclosure.objects.filter(status="published").exists()
