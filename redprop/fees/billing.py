"""The arithmetic of a month's bills: pure functions over plain values (no queries).

Rules (docs/adr/0023-money-rounding-ledger.md):

* **Proration by days.** A charge in force for part of the month (a schedule starting
  or ending inside it, a parking space registered mid-month, a hardship grant) is
  charged ``days in force / days of the month`` of the monthly amount, counting both
  the first and the last day in force.
* **Rounding.** Each bill line is ``quantity × rate × days / days_of_month`` computed
  exactly in ``Decimal`` and rounded once, half-up to the fen; the bill is the sum of
  its lines. Never per square metre, never per unit of time.
* **Reduction.** A hardship grant reduces ``percent`` of the lines of its charge,
  prorated by the days the grant is in force, rounded half-up once per bill.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from redprop.fees.choices import Basis
from redprop.fees.ledger import month_end
from redprop.fees.money import to_fen


@dataclass(frozen=True)
class ScheduleRow:
    id: int
    charge: str
    name: str
    basis: str
    rate: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass(frozen=True)
class UnitRow:
    id: int
    floor_area: Decimal
    exclusive_area: Decimal


@dataclass(frozen=True)
class SubscriptionRow:
    unit_id: int
    charge: str
    name: str
    quantity: int
    started_on: dt.date
    ended_on: dt.date | None


@dataclass(frozen=True)
class GrantRow:
    id: int
    unit_id: int
    charge: str
    percent: Decimal
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass
class LineOut:
    schedule_id: int
    charge: str
    description: str
    quantity: Decimal
    rate: Decimal
    days: int
    days_in_month: int
    amount_fen: int


@dataclass
class BillOut:
    unit_id: int
    lines: list[LineOut] = field(default_factory=list)
    reductions: list[tuple[int, int]] = field(default_factory=list)  # (grant id, fen)

    @property
    def amount_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)


def days_in_force(
    period: dt.date,
    start: dt.date,
    end: dt.date | None,
    *,
    within: tuple[dt.date, dt.date] | None = None,
) -> int:
    """Days of the month ``period`` inside [start, end] (and inside ``within``)."""
    first, last = period, month_end(period)
    lo = max(first, start)
    hi = min(last, end) if end is not None else last
    if within is not None:
        lo, hi = max(lo, within[0]), min(hi, within[1])
    return max(0, (hi - lo).days + 1)


def line_amount(quantity: Decimal, rate: Decimal, days: int, days_in_month: int) -> int:
    """One line, rounded once half-up to the fen."""
    return to_fen(quantity * rate * Decimal(days) / Decimal(days_in_month))


def compute_bills(
    *,
    period: dt.date,
    units: Iterable[UnitRow],
    schedules: list[ScheduleRow],
    subscriptions: Iterable[SubscriptionRow] = (),
    grants: Iterable[GrantRow] = (),
) -> list[BillOut]:
    """The bills of one compound's month. A unit with nothing to pay gets no bill."""
    dim = month_end(period).day
    active = [
        (s, days_in_force(period, s.valid_from, s.valid_to))
        for s in schedules
        if days_in_force(period, s.valid_from, s.valid_to) > 0
    ]
    subs_by_unit: dict[int, list[SubscriptionRow]] = {}
    for sub in subscriptions:
        subs_by_unit.setdefault(sub.unit_id, []).append(sub)
    grants_by_unit: dict[int, list[GrantRow]] = {}
    for grant in grants:
        grants_by_unit.setdefault(grant.unit_id, []).append(grant)
    bills: list[BillOut] = []
    for unit in units:
        bill = BillOut(unit.id)
        for s, days in active:
            if s.basis == Basis.PER_SUBSCRIPTION:
                for sub in subs_by_unit.get(unit.id, ()):
                    if sub.charge != s.charge or sub.name != s.name:
                        continue
                    sub_days = days_in_force(
                        period,
                        s.valid_from,
                        s.valid_to,
                        within=(sub.started_on, sub.ended_on or month_end(period)),
                    )
                    if sub_days:
                        _add(bill, s, Decimal(sub.quantity), sub_days, dim)
                continue
            if s.basis == Basis.FLOOR_AREA:
                qty = unit.floor_area
            elif s.basis == Basis.EXCLUSIVE_AREA:
                qty = unit.exclusive_area
            else:
                qty = Decimal(1)
            _add(bill, s, qty, days, dim)
        if not bill.lines:
            continue
        for grant in grants_by_unit.get(unit.id, ()):
            base = sum(
                (Decimal(line.amount_fen) for line in bill.lines if line.charge == grant.charge),
                Decimal(0),
            )
            g_days = days_in_force(period, grant.valid_from, grant.valid_to)
            if not base or not g_days:
                continue
            fen = to_fen(base / 100 * grant.percent / 100 * Decimal(g_days) / Decimal(dim))
            fen = min(fen, int(base))
            if fen > 0:
                bill.reductions.append((grant.id, fen))
        bills.append(bill)
    return bills


def _add(bill: BillOut, s: ScheduleRow, qty: Decimal, days: int, dim: int) -> None:
    amount = line_amount(qty, s.rate, days, dim)
    if amount <= 0:
        return
    bill.lines.append(
        LineOut(
            schedule_id=s.id,
            charge=s.charge,
            description=s.name,
            quantity=qty,
            rate=s.rate,
            days=days,
            days_in_month=dim,
            amount_fen=amount,
        )
    )
