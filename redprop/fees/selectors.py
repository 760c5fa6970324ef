"""Reads of the fees app: balances, statements, arrears, the gap ledger. Never writes.

Every figure comes from the ledger's lines or from the bill/allocation records, in
grouped queries (no query per unit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from redprop.core.scope import ScopeSet, scoped
from redprop.fees.choices import (
    AGEING_BUCKETS,
    COST_ACCOUNTS,
    FEE_INCOME_ACCOUNTS,
    Account,
    EntryKind,
)
from redprop.fees.ledger import month_start, next_month
from redprop.fees.models import (
    Allocation,
    Bill,
    BillAdjustment,
    Disclosure,
    JournalEntry,
    JournalLine,
    Payment,
    Reduction,
    Refund,
)
from redprop.territory.models import Compound, Unit


def unit_balances(unit_ids: list[int]) -> dict[int, dict[str, int]]:
    """Unit → {"receivable": fen owed, "credit": fen held for the unit}."""
    out: dict[int, dict[str, int]] = {u: {"receivable": 0, "credit": 0} for u in unit_ids}
    rows = (
        JournalLine.objects.filter(unit_id__in=unit_ids)
        .values("unit_id", "account")
        .annotate(t=Sum("amount_fen"))
    )
    for row in rows:
        if row["account"] == Account.RECEIVABLE:
            out[row["unit_id"]]["receivable"] = row["t"]
        elif row["account"] == Account.CREDIT:
            out[row["unit_id"]]["credit"] = -row["t"]
    return out


def bill_status(bills: list[Bill]) -> dict[int, dict[str, int]]:
    """Bill → {"paid", "reduced", "outstanding"} (fen)."""
    ids = [b.pk for b in bills]
    paid = dict(
        Allocation.objects.filter(bill_id__in=ids)
        .values("bill_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("bill_id", "t")
    )
    reduced = dict(
        Reduction.objects.filter(bill_id__in=ids)
        .values("bill_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("bill_id", "t")
    )
    adjusted = sums_by_bill(BillAdjustment, ids)
    return {
        b.pk: {
            "paid": paid.get(b.pk) or 0,
            "reduced": reduced.get(b.pk) or 0,
            "adjusted": adjusted.get(b.pk, 0),
            "outstanding": b.amount_fen
            - (paid.get(b.pk) or 0)
            - (reduced.get(b.pk) or 0)
            + adjusted.get(b.pk, 0),
        }
        for b in bills
    }


@dataclass
class StatementRow:
    on: dt.date
    kind: str
    label: str
    debit: int  # adds to what is owed
    credit: int  # pays or reduces
    balance: int
    ref: Any = None


@dataclass
class Statement:
    unit: Unit
    rows: list[StatementRow] = field(default_factory=list)
    receivable: int = 0
    credit: int = 0

    @property
    def net_due(self) -> int:
        return self.receivable - self.credit


def unit_statement(*, unit: Unit, show_hardship: bool) -> Statement:
    """对账单: bills, reductions, payments, refunds and corrections of one unit, oldest
    first, with the running balance (owed less credit). A reduction is labelled by its
    policy only for a reader who may see the hardship tag."""
    events: list[tuple[dt.date, int, StatementRow]] = []
    for bill in Bill.objects.filter(unit=unit).order_by("period"):
        events.append(
            (
                bill.period,
                0,
                StatementRow(
                    bill.period, "bill", f"{bill.period:%Y-%m}", bill.amount_fen, 0, 0, bill
                ),
            )
        )
    for red in Reduction.objects.filter(bill__unit=unit).select_related("bill", "grant__policy"):
        label = red.grant.policy.name if show_hardship else ""
        events.append(
            (
                red.bill.period,
                1,
                StatementRow(red.bill.period, "reduction", label, 0, red.amount_fen, 0),
            )
        )
    for pay in Payment.objects.filter(unit=unit).order_by("received_on", "pk"):
        events.append(
            (
                pay.received_on,
                2,
                StatementRow(
                    pay.received_on, "payment", pay.get_method_display(), 0, pay.amount_fen, 0, pay
                ),
            )
        )
    for ref in Refund.objects.filter(payment__unit=unit).select_related("payment"):
        on = ref.created_at.date()
        events.append((on, 3, StatementRow(on, "refund", ref.reason, ref.amount_fen, 0, 0, ref)))
    adjustments = JournalLine.objects.filter(
        unit=unit, account=Account.RECEIVABLE, entry__kind=EntryKind.ADJUSTMENT
    ).select_related("entry")
    for line in adjustments:
        amt = line.amount_fen
        events.append(
            (
                line.entry.occurred_on,
                4,
                StatementRow(
                    line.entry.occurred_on,
                    "adjustment",
                    line.entry.memo,
                    max(amt, 0),
                    max(-amt, 0),
                    0,
                ),
            )
        )
    events.sort(key=lambda e: (e[0], e[1]))
    balance = 0
    st = Statement(unit)
    for _on, _order, row in events:
        balance += row.debit - row.credit
        row.balance = balance
        st.rows.append(row)
    bal = unit_balances([unit.pk])[unit.pk]
    st.receivable, st.credit = bal["receivable"], bal["credit"]
    return st


def open_bills_of(unit: Unit) -> list[tuple[Bill, int]]:
    bills = list(Bill.objects.filter(unit=unit).order_by("period"))
    status = bill_status(bills)
    return [(b, status[b.pk]["outstanding"]) for b in bills if status[b.pk]["outstanding"] > 0]


def household_units(user: Any) -> QuerySet[Unit]:
    if not user.person_id:
        return Unit.objects.none()
    return (
        Unit.objects.filter(Unit.resident_scope_q(user.person_id))
        .select_related("compound", "building")
        .distinct()
        .order_by("pk")
    )


# --- arrears ---------------------------------------------------------------------------------


def months_between(period: dt.date, as_of: dt.date) -> int:
    return (as_of.year - period.year) * 12 + as_of.month - period.month


def bucket_of(months_overdue: int) -> str:
    """ "≤1", "1-3", "3-6", "6-12", ">12": a bill of month M is 1 month old in M+1."""
    lower = 0
    for upper in AGEING_BUCKETS:
        if months_overdue <= upper:
            return "≤1" if upper == 1 else f"{lower}-{upper}"
        lower = upper
    return f">{AGEING_BUCKETS[-1]}"


BUCKETS = ["≤1", "1-3", "3-6", "6-12", ">12"]


@dataclass
class ArrearsRow:
    unit_id: int
    label: str
    compound: str
    compound_id: int
    buckets: dict[str, int]
    total: int
    oldest: dt.date


def arrears(*, compounds: QuerySet[Compound], as_of: dt.date) -> list[ArrearsRow]:
    """Units with open bills, their outstanding fen by age (1/3/6/12 months)."""
    bills = list(
        Bill.objects.filter(compound__in=compounds)
        .values_list("pk", "unit_id", "period", "amount_fen")
        .order_by("unit_id", "period")
    )
    ids = [b[0] for b in bills]
    paid = sums_by_bill(Allocation, ids)
    reduced = sums_by_bill(Reduction, ids)
    adjusted = sums_by_bill(BillAdjustment, ids)
    per_unit: dict[int, dict[str, Any]] = {}
    for pk, unit_id, period, amount in bills:
        outstanding = amount - paid.get(pk, 0) - reduced.get(pk, 0) + adjusted.get(pk, 0)
        if outstanding <= 0:
            continue
        row = per_unit.setdefault(unit_id, {"buckets": dict.fromkeys(BUCKETS, 0), "oldest": period})
        row["buckets"][bucket_of(months_between(period, as_of))] += outstanding
    labels = {
        u.pk: (u.label, u.compound.name, u.compound_id)
        for u in Unit.objects.filter(pk__in=list(per_unit)).select_related("compound")
    }
    return [
        ArrearsRow(
            unit_id,
            labels[unit_id][0],
            labels[unit_id][1],
            labels[unit_id][2],
            data["buckets"],
            sum(data["buckets"].values()),
            data["oldest"],
        )
        for unit_id, data in sorted(per_unit.items())
    ]


def sums_by_bill(model: Any, bill_ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    step = 20000
    for i in range(0, len(bill_ids), step):
        chunk = bill_ids[i : i + step]
        out.update(
            model.objects.filter(bill_id__in=chunk)
            .values("bill_id")
            .annotate(t=Sum("amount_fen"))
            .values_list("bill_id", "t")
        )
    return out


# --- the gap ledger --------------------------------------------------------------------------


@dataclass
class GapMonth:
    period: dt.date
    billed: int = 0  # fee income (the bills' charges)
    hardship: int = 0  # of which paid by the hardship subsidy, not the household
    collected: int = 0  # of this month's bills (net of reductions), paid so far
    costs: dict[str, int] = field(default_factory=dict)
    rent: int = 0
    subsidy: int = 0
    corrections: int = 0  # entries correcting a closed month

    @property
    def cost_total(self) -> int:
        return sum(self.costs.values())

    @property
    def gap(self) -> int:
        """What the fees leave uncovered: costs less fee income (positive: a gap)."""
        return self.cost_total - self.billed

    @property
    def covered(self) -> int:
        return self.rent + self.subsidy

    @property
    def net(self) -> int:
        return self.billed + self.rent + self.subsidy - self.cost_total

    @property
    def collection_rate(self) -> float | None:
        due = self.billed - self.hardship
        return None if due <= 0 else self.collected / due


def gap_ledger(
    *,
    compound_ids: list[int] | None = None,
    company_id: int | None = None,
    start: dt.date,
    end: dt.date,
) -> list[GapMonth]:
    """Month by month from ``start`` to ``end`` (first days): fee income against costs,
    rent and subsidy covering the gap, and the collection rate, for some compounds or a
    whole company (its compounds and its company-level items)."""
    q = Q(period__gte=start, period__lte=end)
    if company_id is not None:
        q &= Q(entry__company_id=company_id)
    else:
        q &= Q(compound_id__in=compound_ids or [])
    months: dict[dt.date, GapMonth] = {}
    cur = start
    while cur <= end:
        months[cur] = GapMonth(cur, costs={a: 0 for a in COST_ACCOUNTS})
        cur = next_month(cur)
    rows = JournalLine.objects.filter(q).values("period", "account").annotate(t=Sum("amount_fen"))
    for row in rows:
        m = months.get(row["period"])
        if m is None:
            continue
        acc, t = row["account"], row["t"]
        if acc in FEE_INCOME_ACCOUNTS:
            m.billed += -t
        elif acc == Account.HARDSHIP_SUBSIDY:
            m.hardship += t
        elif acc in COST_ACCOUNTS:
            m.costs[acc] += t
        elif acc == Account.RENT_INCOME:
            m.rent += -t
        elif acc == Account.SUBSIDY_INCOME:
            m.subsidy += -t
    bill_q = Q(bill__period__gte=start, bill__period__lte=end)
    if company_id is not None:
        bill_q &= Q(bill__compound__company_id=company_id)
    else:
        bill_q &= Q(bill__compound_id__in=compound_ids or [])
    paid = Allocation.objects.filter(bill_q).values("bill__period").annotate(t=Sum("amount_fen"))
    for row in paid:
        if row["bill__period"] in months:
            months[row["bill__period"]].collected += row["t"]
    scope_filter: dict[str, Any] = (
        {"company_id": company_id}
        if company_id is not None
        else {"compound_id__in": compound_ids or []}
    )
    corr = (
        JournalEntry.objects.filter(
            original_period__isnull=False, period__gte=start, period__lte=end, **scope_filter
        )
        .values("period")
        .annotate(n=Count("id"))
    )
    for row in corr:
        months[row["period"]].corrections += row["n"]
    return list(months.values())


def compounds_in(scope: ScopeSet) -> QuerySet[Compound]:
    return scoped(Compound.objects.all(), scope).order_by("name")


def disclosure_figures(*, compound: Compound, period: dt.date) -> dict[str, Any]:
    """The month's figures as published: strings of yuan (no float)."""
    from redprop.fees.money import yuan

    (m,) = gap_ledger(compound_ids=[compound.pk], start=period, end=period)
    corrections = list(
        JournalEntry.objects.filter(compound=compound, period=period, original_period__isnull=False)
        .order_by("pk")
        .values("pk", "kind", "original_period", "memo")
    )
    units = Unit.objects.filter(compound=compound).count()
    rate = m.collection_rate
    return {
        "period": f"{period:%Y-%m}",
        "units": units,
        "billed": str(yuan(m.billed)),
        "hardship": str(yuan(m.hardship)),
        "collected": str(yuan(m.collected)),
        "collection_rate": None if rate is None else f"{rate * 100:.1f}",
        "costs": {k: str(yuan(v)) for k, v in m.costs.items()},
        "cost_total": str(yuan(m.cost_total)),
        "rent": str(yuan(m.rent)),
        "subsidy": str(yuan(m.subsidy)),
        "gap": str(yuan(m.gap)),
        "net": str(yuan(m.net)),
        "corrections": [
            {
                "entry": c["pk"],
                "kind": c["kind"],
                "of": f"{c['original_period']:%Y-%m}",
                "memo": c["memo"],
            }
            for c in corrections
        ],
        "schedules": [
            {"name": s.name, "basis": s.basis, "rate": str(s.rate)}
            for s in compound.fee_schedules.filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=period), valid_from__lte=period
            )
        ],
    }


def disclosures_for(*, compound: Compound) -> QuerySet[Disclosure]:
    return Disclosure.objects.filter(compound=compound).order_by("-period")


def current_period() -> dt.date:
    from django.utils import timezone

    return month_start(timezone.localdate())
