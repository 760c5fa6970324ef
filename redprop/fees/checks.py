"""The books' invariants, checked over the whole ledger (``manage.py fees_check``).

1. Every journal entry balances (its lines sum to zero) and has lines.
2. Every unit's receivable (the sum of its receivable lines) equals its bills, less
   its reductions, less what was applied to its bills (allocations, net of refunds
   taken back), plus its corrections (adjustment entries).
3. Every unit's credit equals its payments, less what was applied, less refunds paid
   out of credit.
4. Every bill's lines sum to the bill; no bill is paid or reduced beyond its amount.

Each check is one or two grouped queries; the result lists what is wrong (empty: the
books are right).
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Sum

from redprop.fees.choices import Account
from redprop.fees.models import (
    Allocation,
    Bill,
    BillAdjustment,
    BillLine,
    JournalEntry,
    JournalLine,
    Payment,
    Reduction,
    Refund,
)


def check_books(limit: int = 50) -> list[str]:
    problems: list[str] = []
    unbalanced = (
        JournalLine.objects.values("entry_id")
        .annotate(t=Sum("amount_fen"))
        .exclude(t=0)
        .values_list("entry_id", "t")[:limit]
    )
    problems += [f"entry {e} does not balance: {t} fen" for e, t in unbalanced]
    empty = JournalEntry.objects.annotate(n=Count("lines")).filter(n=0).values_list("pk", flat=True)
    problems += [f"entry {e} has no lines" for e in empty[:limit]]

    def per_unit(qs, field: str = "amount_fen") -> dict[int, int]:  # type: ignore[no-untyped-def]
        return {u: t for u, t in qs.annotate(t=Sum(field)).values_list("u", "t")}

    receivable = per_unit(
        JournalLine.objects.filter(account=Account.RECEIVABLE).values(u=F("unit_id"))
    )
    credit = per_unit(JournalLine.objects.filter(account=Account.CREDIT).values(u=F("unit_id")))
    billed = per_unit(Bill.objects.values(u=F("unit_id")))
    reduced = per_unit(Reduction.objects.values(u=F("bill__unit_id")))
    applied = per_unit(Allocation.objects.values(u=F("bill__unit_id")))
    adjusted = per_unit(BillAdjustment.objects.values(u=F("bill__unit_id")))
    paid = per_unit(Payment.objects.values(u=F("unit_id")))
    refunded = per_unit(Refund.objects.values(u=F("payment__unit_id")))
    units = set(receivable) | set(billed) | set(paid) | set(credit)
    for unit in sorted(units):
        expected = (
            billed.get(unit, 0)
            - reduced.get(unit, 0)
            - applied.get(unit, 0)
            + adjusted.get(unit, 0)
        )
        if receivable.get(unit, 0) != expected:
            problems.append(
                f"unit {unit}: receivable {receivable.get(unit, 0)} != bills - reductions"
                f" - applied + corrections = {expected}"
            )
        # Credit is a liability (credit lines negative): payments in, applications and
        # refunds out.
        held = -credit.get(unit, 0)
        expected_credit = paid.get(unit, 0) - applied.get(unit, 0) - refunded.get(unit, 0)
        if held != expected_credit:
            problems.append(
                f"unit {unit}: credit {held} != payments - applied - refunds = {expected_credit}"
            )
        if held < 0:
            problems.append(f"unit {unit}: negative credit {held}")
        if len(problems) >= limit:
            return problems
    line_sums = dict(
        BillLine.objects.values("bill_id").annotate(t=Sum("amount_fen")).values_list("bill_id", "t")
    )
    for bill_id, amount in Bill.objects.values_list("pk", "amount_fen").iterator(chunk_size=5000):
        if line_sums.get(bill_id) != amount:
            problems.append(f"bill {bill_id}: lines {line_sums.get(bill_id)} != {amount}")
            if len(problems) >= limit:
                return problems
    # No bill is paid (or reduced) beyond its amount and corrections; none negatively.
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # settled, corrected
    for model, slot, sign in ((Allocation, 0, 1), (Reduction, 0, 1), (BillAdjustment, 1, 1)):
        for bill_id, t in (
            model.objects.values("bill_id")
            .annotate(t=Sum("amount_fen"))
            .values_list("bill_id", "t")
        ):
            totals[bill_id][slot] += sign * t
    amounts = dict(Bill.objects.filter(pk__in=list(totals)).values_list("pk", "amount_fen"))
    for bill_id, (settled, corrected) in totals.items():
        outstanding = amounts.get(bill_id, 0) + corrected - settled
        if settled < 0 or outstanding < 0:
            problems.append(f"bill {bill_id}: settled {settled}, outstanding {outstanding}")
    return problems[:limit]
