"""Applying money to open bills, shared by the bill run and the payments: what each
bill still owes, a payment's allocation (oldest first or the chosen bills), and a
unit's credit (预收) paying its new bills. Writes only inside its callers' transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError
from redprop.fees.choices import (
    Account,
    EntryKind,
)
from redprop.fees.errors import FeesError
from redprop.fees.ledger import Line, post
from redprop.fees.models import (
    Allocation,
    Bill,
    BillAdjustment,
    JournalLine,
    Reduction,
)
from redprop.fees.selectors import sums_by_bill
from redprop.territory.models import Compound, Unit


def open_bills_of(unit_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Unit → [(bill id, outstanding fen)], oldest first: amount less reductions and
    allocations, plus corrections. Grouped queries (in chunks), never one per unit."""
    bills = list(
        Bill.objects.filter(unit_id__in=unit_ids)
        .order_by("period", "pk")
        .values_list("pk", "unit_id", "amount_fen")
    )
    ids = [b[0] for b in bills]
    paid = sums_by_bill(Allocation, ids)
    reduced = sums_by_bill(Reduction, ids)
    adjusted = sums_by_bill(BillAdjustment, ids)
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, unit_id, amount in bills:
        outstanding = amount - paid.get(pk, 0) - reduced.get(pk, 0) + adjusted.get(pk, 0)
        if outstanding > 0:
            out[unit_id].append((pk, outstanding))
    return out


def allocate(
    unit: Unit, amount: int, bill_ids: list[int] | None
) -> tuple[list[tuple[int, int]], int]:
    """[(bill, fen)] applied oldest first (or to the payer's chosen bills, in their
    order of month), and what is left over (credit)."""
    open_bills = open_bills_of([unit.pk]).get(unit.pk, [])
    if bill_ids:
        chosen = set(bill_ids)
        rows = dict(Bill.objects.filter(pk__in=chosen).values_list("pk", "unit_id"))
        if set(rows) != chosen or any(u != unit.pk for u in rows.values()):
            if Bill.objects.filter(pk__in=chosen).exclude(compound_id=unit.compound_id).exists():
                raise ApplicationError(
                    FeesError.BILL_OTHER_COMPOUND,
                    _("所选账单不属于该房屋所在小区"),
                    field="bill_ids",
                )
            raise ApplicationError(
                FeesError.BILL_NOT_OPEN, _("所选账单不属于该房屋"), field="bill_ids"
            )
        if chosen - {b for b, _o in open_bills}:
            raise ApplicationError(FeesError.BILL_NOT_OPEN, _("所选账单已结清"), field="bill_ids")
        open_bills = [(b, o) for b, o in open_bills if b in chosen]
    moves = []
    left = amount
    for bill_id, outstanding in open_bills:
        if left <= 0:
            break
        take = min(left, outstanding)
        moves.append((bill_id, take))
        left -= take
    return moves, left


def apply_credit(compound: Compound, period: dt.date, unit_ids: list[int]) -> None:
    """Units holding credit (over-payment) pay their new bills from it: one entry."""
    wanted = set(unit_ids)
    credit = {
        row["unit_id"]: -row["total"]
        for row in JournalLine.objects.filter(compound=compound, account=Account.CREDIT)
        .values("unit_id")
        .annotate(total=Sum("amount_fen"))
        .order_by("unit_id")
        if row["total"] < 0 and row["unit_id"] in wanted
    }
    if not credit:
        return
    open_bills = open_bills_of(list(credit))
    moves: list[tuple[int, int, int]] = []  # unit, bill, fen
    for unit_id, available in credit.items():
        for bill_id, outstanding in open_bills.get(unit_id, []):
            if available <= 0:
                break
            take = min(available, outstanding)
            moves.append((unit_id, bill_id, take))
            available -= take
    if not moves:
        return
    lines = []
    per_unit: dict[int, int] = defaultdict(int)
    for unit_id, _bill, fen in moves:
        per_unit[unit_id] += fen
    for unit_id, fen in per_unit.items():
        lines += [Line(Account.CREDIT, fen, unit_id), Line(Account.RECEIVABLE, -fen, unit_id)]
    entry = post(
        kind=EntryKind.CREDIT_APPLIED,
        lines=lines,
        compound=compound,
        occurred_on=period,
        memo=_("余额抵扣"),
    )
    Allocation.objects.bulk_create(
        [Allocation(bill_id=b, payment=None, entry=entry, amount_fen=fen) for _u, b, fen in moves],
        batch_size=5000,
    )
