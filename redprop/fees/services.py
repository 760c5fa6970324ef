"""Every write of the fees app. Each is atomic: on an error nothing is written.

Money arrives as fen (``int``) already parsed by ``money.parse_yuan`` at the edge (the
API and the forms), or as a typed string that the service parses itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.fees import billing, permissions
from redprop.fees.choices import (
    CHARGE_ACCOUNT,
    COST_ACCOUNT,
    INCOME_ACCOUNT,
    METHOD_ACCOUNT,
    Account,
    Basis,
    Charge,
    CostKind,
    EntryKind,
    IncomeKind,
    Method,
    OrderStatus,
    RunStatus,
)
from redprop.fees.errors import FeesError
from redprop.fees.ledger import Line, insert_rows, is_closed, month_end, month_start, post
from redprop.fees.models import (
    Allocation,
    Bill,
    BillAdjustment,
    BillLine,
    BillRun,
    FeeSchedule,
    HardshipGrant,
    HardshipPolicy,
    JournalLine,
    LedgerItem,
    Payment,
    PaymentOrder,
    ProviderCallback,
    Reduction,
    Refund,
    Subscription,
)
from redprop.fees.money import AmountError, parse_yuan
from redprop.fees.providers import CallbackInvalid, get_provider
from redprop.territory.models import Compound, Unit

MONEY_MESSAGES = {
    "invalid_amount": (
        FeesError.INVALID_AMOUNT,
        gettext_lazy("金额格式不正确（请以字符串填写，如 12.50）"),
    ),
    "too_many_decimals": (FeesError.TOO_MANY_DECIMALS, gettext_lazy("金额最多保留两位小数")),
    "not_positive": (FeesError.NOT_POSITIVE, gettext_lazy("金额必须大于零")),
    "too_large": (FeesError.TOO_LARGE, gettext_lazy("金额过大")),
}


def amount_fen(raw: object, field: str = "amount") -> int:
    """Parse a typed amount or raise the 400 on ``field``."""
    if isinstance(raw, int) and not isinstance(raw, bool) and field == "":
        return raw
    try:
        return parse_yuan(raw)
    except AmountError as exc:
        code, message = MONEY_MESSAGES[exc.code]
        raise ApplicationError(code, str(message), field=field) from exc


def _require(ok: bool) -> None:
    if not ok:
        raise PermissionDenied()


# --- schedules -------------------------------------------------------------------------------


@transaction.atomic
def schedule_create(
    *,
    compound: Compound,
    charge: str,
    name: str,
    basis: str,
    rate: str | Decimal,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    acting_user: Any,
) -> FeeSchedule:
    """Add a rate for one charge. It may not overlap another schedule of the same charge
    and name; an open-ended earlier schedule is ended the day before (a change of rate
    applies from its date). Checked under a lock on the compound, so two concurrent
    changes cannot both pass."""
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    _require(permissions.is_collector(acting_user, compound))
    if charge not in Charge.values:
        raise ApplicationError(FeesError.INVALID_RATE, _("未知的收费项目"), field="charge")
    if basis not in Basis.values:
        raise ApplicationError(FeesError.INVALID_RATE, _("未知的计费方式"), field="basis")
    name = (name or "").strip() or str(Charge(charge).label)
    if len(name) > 32:
        raise ApplicationError(FeesError.INVALID_RATE, _("名称不能超过 32 个字"), field="name")
    try:
        rate_d = Decimal(str(rate).strip()) if not isinstance(rate, float) else None
    except InvalidOperation:
        rate_d = None
    if (
        rate_d is None
        or not rate_d.is_finite()
        or rate_d <= 0
        or rate_d >= Decimal("1000000")
        or rate_d != rate_d.quantize(Decimal("0.0001"))
    ):
        raise ApplicationError(
            FeesError.INVALID_RATE, _("单价须大于零，最多四位小数"), field="rate"
        )
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(FeesError.INVALID_DATES, _("截止日期早于生效日期"), field="valid_to")
    same = FeeSchedule.objects.filter(compound=compound, charge=charge, name=name)
    # An open-ended schedule that started earlier ends the day before the new one.
    for prev in same.filter(valid_to__isnull=True, valid_from__lt=valid_from):
        if Bill.objects.filter(
            compound=compound, period__gte=month_start(valid_from)
        ).exists() and (is_closed(compound.pk, month_start(valid_from))):
            raise ApplicationError(
                FeesError.PERIOD_CLOSED, _("该月份已结账，不能调整收费标准"), field="valid_from"
            )
        prev.valid_to = valid_from - dt.timedelta(days=1)
        prev.save(update_fields=["valid_to", "updated_at"])
    end = valid_to or dt.date.max
    for other in same:
        other_end = other.valid_to or dt.date.max
        if other.valid_from <= end and valid_from <= other_end:
            raise ApplicationError(
                FeesError.SCHEDULE_OVERLAP,
                _("与已有的收费标准（%(start)s 起）时间重叠") % {"start": other.valid_from},
                field="valid_from",
            )
    schedule = FeeSchedule.objects.create(
        compound=compound,
        charge=charge,
        name=name,
        basis=basis,
        rate=rate_d,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit(actor=acting_user, event=AuditEvent.FEE_SCHEDULE_SET, target=schedule)
    return schedule


@transaction.atomic
def subscription_add(
    *,
    unit: Unit,
    charge: str,
    name: str,
    quantity: int = 1,
    started_on: dt.date,
    acting_user: Any,
) -> Subscription:
    _require(permissions.is_collector(acting_user, unit.compound))
    if not 1 <= quantity <= 100:
        raise ApplicationError(
            FeesError.INVALID_RATE, _("数量应在 1 到 100 之间"), field="quantity"
        )
    return Subscription.objects.create(
        unit=unit, charge=charge, name=name, quantity=quantity, started_on=started_on
    )


# --- bill runs -------------------------------------------------------------------------------


@transaction.atomic
def bill_run_request(*, compound: Compound, period: dt.date, acting_user: Any) -> BillRun:
    """Queue the month's bill run for a compound (出账). Running it twice bills once:
    the run is unique per (compound, month) and a second request returns the first."""
    _require(permissions.is_collector(acting_user, compound))
    period = month_start(period)
    if is_closed(compound.pk, period):
        raise ApplicationError(
            FeesError.PERIOD_CLOSED, _("该月份已公示结账，不能再出账"), field="month"
        )
    if period > month_start(timezone.localdate()):
        raise ApplicationError(FeesError.INVALID_MONTH, _("不能为未来月份出账"), field="month")
    run, created = BillRun.objects.get_or_create(
        compound=compound,
        period=period,
        defaults={"requested_by": acting_user if getattr(acting_user, "pk", None) else None},
    )
    if created:
        audit(actor=acting_user, event=AuditEvent.FEE_BILL_RUN, target=run)
        from redprop.fees.tasks import run_bills

        transaction.on_commit(lambda: run_bills.enqueue(run.pk))
    return run


def bill_run_execute(*, run_id: int) -> BillRun:
    """Bill every unit of the run's compound for its month, in one transaction: bills,
    lines, the month's receivable entry (one line per unit), the hardship reductions
    (their own entry: the subsidy line) and the application of units' credit.
    Idempotent: a finished run is returned as it is. A fixed number of queries,
    whatever the number of units (bulk inserts)."""
    with transaction.atomic():
        run = BillRun.objects.select_for_update().select_related("compound").get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        compound = run.compound
        if is_closed(compound.pk, run.period):
            run.status, run.error = RunStatus.FAILED, "period closed"
            run.save(update_fields=["status", "error", "updated_at"])
            return run
        period, end = run.period, month_end(run.period)
        bills = billing.compute_bills(
            period=period,
            units=[
                billing.UnitRow(u[0], u[1], u[2])
                for u in Unit.objects.filter(compound=compound)
                .exclude(bills__period=period)
                .order_by("pk")
                .values_list("pk", "floor_area", "exclusive_area")
            ],
            schedules=[
                billing.ScheduleRow(
                    s.pk, s.charge, s.name, s.basis, s.rate, s.valid_from, s.valid_to
                )
                for s in FeeSchedule.objects.filter(compound=compound, valid_from__lte=end)
            ],
            subscriptions=[
                billing.SubscriptionRow(
                    s.unit_id, s.charge, s.name, s.quantity, s.started_on, s.ended_on
                )
                for s in Subscription.objects.filter(unit__compound=compound, started_on__lte=end)
            ],
            grants=[
                billing.GrantRow(
                    g.pk, g.unit_id, g.policy.charge, g.policy.percent, g.valid_from, g.valid_to
                )
                for g in HardshipGrant.objects.filter(
                    unit__compound=compound, valid_from__lte=end, policy__is_active=True
                ).select_related("policy")
            ],
        )
        total = sum(b.amount_fen for b in bills)
        if bills:
            _post_bills(run, compound, bills)
        run.status, run.bills, run.total_fen = RunStatus.DONE, len(bills), total
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "bills", "total_fen", "finished_at", "updated_at"])
        return run


def _post_bills(run: BillRun, compound: Compound, bills: list[billing.BillOut]) -> None:
    period = run.period
    income: dict[str, int] = defaultdict(int)
    lines = []
    for b in bills:
        lines.append(Line(Account.RECEIVABLE, b.amount_fen, b.unit_id))
        for line in b.lines:
            income[CHARGE_ACCOUNT[line.charge]] += line.amount_fen
    lines += [Line(acc, -fen) for acc, fen in income.items() if fen]
    entry = post(
        kind=EntryKind.BILL,
        lines=lines,
        compound=compound,
        occurred_on=period,
        period=period,
        memo=f"{period:%Y-%m} 物业费账单",
    )
    place = {k: getattr(entry, k) for k in ("city_id", "district_id", "street_id", "community_id")}
    grid_of = dict(Unit.objects.filter(compound=compound).values_list("pk", "grid_id"))
    now = timezone.now()
    insert_rows(
        Bill,
        [
            "created_at",
            "city_id",
            "district_id",
            "street_id",
            "community_id",
            "grid_id",
            "unit_id",
            "compound_id",
            "run_id",
            "entry_id",
            "period",
            "amount_fen",
        ],
        [
            (
                now,
                place["city_id"],
                place["district_id"],
                place["street_id"],
                place["community_id"],
                grid_of.get(b.unit_id),
                b.unit_id,
                compound.pk,
                run.pk,
                entry.pk,
                period,
                b.amount_fen,
            )
            for b in bills
        ],
    )
    bill_ids = dict(Bill.objects.filter(run=run).values_list("unit_id", "pk"))
    insert_rows(
        BillLine,
        [
            "bill_id",
            "schedule_id",
            "charge",
            "description",
            "quantity",
            "rate",
            "days",
            "days_in_month",
            "amount_fen",
        ],
        [
            (
                bill_ids[b.unit_id],
                line.schedule_id,
                line.charge,
                line.description,
                line.quantity,
                line.rate,
                line.days,
                line.days_in_month,
                line.amount_fen,
            )
            for b in bills
            for line in b.lines
        ],
    )
    reductions = [(b, gid, fen) for b in bills for gid, fen in b.reductions]
    if reductions:
        r_entry = post(
            kind=EntryKind.REDUCTION,
            lines=[
                Line(Account.HARDSHIP_SUBSIDY, sum(fen for _b, _g, fen in reductions)),
                *[Line(Account.RECEIVABLE, -fen, b.unit_id) for b, _g, fen in reductions],
            ],
            compound=compound,
            occurred_on=period,
            period=period,
            memo=f"{period:%Y-%m} 困难户减免（补贴）",
        )
        Reduction.objects.bulk_create(
            [
                Reduction(bill_id=bill_ids[b.unit_id], grant_id=gid, entry=r_entry, amount_fen=fen)
                for b, gid, fen in reductions
            ],
            batch_size=5000,
        )
    _apply_credit(compound, period, list(bill_ids))


def _apply_credit(compound: Compound, period: dt.date, unit_ids: list[int]) -> None:
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
    open_bills = _open_bills(list(credit))
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


def _open_bills(unit_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """Unit → [(bill id, outstanding fen)], oldest first: amount less reductions and
    allocations, plus corrections. Grouped queries (in chunks), never one per unit."""
    from redprop.fees.selectors import sums_by_bill

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


# --- payments --------------------------------------------------------------------------------


def _allocate(
    unit: Unit, amount: int, bill_ids: list[int] | None
) -> tuple[list[tuple[int, int]], int]:
    """[(bill, fen)] applied oldest first (or to the payer's chosen bills, in their
    order of month), and what is left over (credit)."""
    open_bills = _open_bills([unit.pk]).get(unit.pk, [])
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


@transaction.atomic
def payment_record(
    *,
    unit: Unit,
    method: str,
    amount: int,
    reference: str,
    acting_user: Any,
    bill_ids: list[int] | None = None,
    received_on: dt.date | None = None,
    payer_name: str = "",
    _system: bool = False,
) -> Payment:
    """Record a payment (收款) and apply it: to the payer's chosen bills, else to the
    oldest open bills first; what is left stays as the unit's credit (预收). The same
    reference of the same method is recorded once: a second one is refused (409), also
    when two arrive at the same moment (the unit row is locked, the reference unique)."""
    unit = Unit.objects.select_for_update().select_related("compound").get(pk=unit.pk)
    if not _system:
        _require(permissions.is_collector(acting_user, unit.compound))
    if method not in Method.values:
        raise ApplicationError(FeesError.INVALID_AMOUNT, _("未知的收款方式"), field="method")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ApplicationError(FeesError.NOT_POSITIVE, _("金额必须大于零"), field="amount")
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ApplicationError(
            FeesError.REFERENCE_REQUIRED,
            _("请填写收据号或银行流水号（不超过 64 个字符）"),
            field="reference",
        )
    if Payment.objects.filter(method=method, reference=reference).exists():
        raise Conflict(FeesError.DUPLICATE_REFERENCE, _("该凭证号/流水号已登记过，不能重复收款"))
    received_on = received_on or timezone.localdate()
    moves, left = _allocate(unit, amount, bill_ids)
    lines = [Line(METHOD_ACCOUNT[method], amount)]
    applied = amount - left
    if applied:
        lines.append(Line(Account.RECEIVABLE, -applied, unit.pk))
    if left:
        lines.append(Line(Account.CREDIT, -left, unit.pk))
    entry = post(
        kind=EntryKind.PAYMENT,
        lines=lines,
        compound=unit.compound,
        occurred_on=received_on,
        memo=f"{Method(method).label} {reference}"[:200],
        acting_user=acting_user,
    )
    payment = Payment(
        unit=unit,
        compound=unit.compound,
        method=method,
        reference=reference,
        amount_fen=amount,
        received_on=received_on,
        payer_name=(payer_name or "")[:32],
        entry=entry,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    payment.set_place(unit)
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:
        raise Conflict(
            FeesError.DUPLICATE_REFERENCE, _("该凭证号/流水号已登记过，不能重复收款")
        ) from exc
    Allocation.objects.bulk_create(
        [Allocation(bill_id=b, payment=payment, entry=entry, amount_fen=fen) for b, fen in moves]
    )
    audit(
        actor=acting_user,
        event=AuditEvent.FEE_PAYMENT,
        target=payment,
        applied=applied,
        credit=left,
    )
    return payment


@transaction.atomic
def payment_refund(*, payment: Payment, amount: int, reason: str, acting_user: Any) -> Refund:
    """Refund part or all of a payment (退款), as its own entry: first from the unit's
    credit, then by taking back the payment's applications, newest bill first (the
    bills are open again). Never more than the payment less its earlier refunds."""
    unit = Unit.objects.select_for_update().select_related("compound").get(pk=payment.unit_id)
    _require(permissions.is_collector(acting_user, unit.compound))
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > 200:
        raise ApplicationError(
            FeesError.INVALID_AMOUNT, _("请填写退款原因（2–200 字）"), field="reason"
        )
    if not isinstance(amount, int) or amount <= 0:
        raise ApplicationError(FeesError.NOT_POSITIVE, _("金额必须大于零"), field="amount")
    refunded = payment.refunds.aggregate(t=Sum("amount_fen"))["t"] or 0
    if amount > payment.amount_fen - refunded:
        raise ApplicationError(
            FeesError.REFUND_TOO_LARGE, _("退款金额超过该笔收款可退金额"), field="amount"
        )
    credit = -(
        JournalLine.objects.filter(unit=unit, account=Account.CREDIT).aggregate(
            t=Sum("amount_fen")
        )["t"]
        or 0
    )
    from_credit = min(max(credit, 0), amount)
    rest = amount - from_credit
    takebacks: list[tuple[int, int]] = []
    if rest:
        applied = (
            Allocation.objects.filter(payment=payment)
            .values("bill_id", "bill__period")
            .annotate(t=Sum("amount_fen"))
            .order_by("-bill__period")
        )
        for row in applied:
            if rest <= 0:
                break
            take = min(rest, row["t"])
            if take > 0:
                takebacks.append((row["bill_id"], take))
                rest -= take
        if rest:
            raise ApplicationError(
                FeesError.REFUND_TOO_LARGE, _("退款金额超过该笔收款可退金额"), field="amount"
            )
    lines = [Line(METHOD_ACCOUNT[payment.method], -amount)]
    if from_credit:
        lines.append(Line(Account.CREDIT, from_credit, unit.pk))
    back = amount - from_credit
    if back:
        lines.append(Line(Account.RECEIVABLE, back, unit.pk))
    entry = post(
        kind=EntryKind.REFUND,
        lines=lines,
        compound=unit.compound,
        occurred_on=timezone.localdate(),
        memo=f"退款 {payment.receipt_no} {reason}"[:200],
        acting_user=acting_user,
    )
    Allocation.objects.bulk_create(
        [
            Allocation(bill_id=b, payment=payment, entry=entry, amount_fen=-fen)
            for b, fen in takebacks
        ]
    )
    refund = Refund.objects.create(
        payment=payment,
        amount_fen=amount,
        reason=reason,
        entry=entry,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit(actor=acting_user, event=AuditEvent.FEE_REFUND, target=refund)
    return refund


@transaction.atomic
def adjustment_post(*, bill: Bill, amount: int, reason: str, acting_user: Any) -> BillAdjustment:
    """Correct a bill (更正): positive charges more, negative forgives part of what is
    still open; against fee income. Its own entry, dated today (a closed month's
    correction shows in the next open month); the bill is never edited."""
    unit = Unit.objects.select_for_update().select_related("compound").get(pk=bill.unit_id)
    _require(permissions.is_collector(acting_user, unit.compound))
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > 200:
        raise ApplicationError(
            FeesError.INVALID_AMOUNT, _("请填写更正原因（2–200 字）"), field="reason"
        )
    if not isinstance(amount, int) or amount == 0 or abs(amount) > 10_000_000_00:
        raise ApplicationError(FeesError.NOT_POSITIVE, _("更正金额不能为零"), field="amount")
    if amount < 0:
        outstanding = dict(_open_bills([unit.pk]).get(unit.pk, [])).get(bill.pk, 0)
        if -amount > outstanding:
            raise ApplicationError(
                FeesError.REFUND_TOO_LARGE, _("减少的金额超过该账单未缴金额"), field="amount"
            )
    entry = post(
        kind=EntryKind.ADJUSTMENT,
        lines=[Line(Account.RECEIVABLE, amount, unit.pk), Line(Account.FEE_INCOME, -amount)],
        compound=unit.compound,
        occurred_on=timezone.localdate(),
        memo=f"更正 {bill.period:%Y-%m} {reason}"[:200],
        acting_user=acting_user,
    )
    adjustment = BillAdjustment.objects.create(
        bill=bill, entry=entry, amount_fen=amount, reason=reason
    )
    audit(actor=acting_user, event=AuditEvent.FEE_ADJUSTMENT, target=adjustment)
    if amount > 0:
        _apply_credit(unit.compound, entry.period, [unit.pk])
    return adjustment


# --- online payment --------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *, unit: Unit, acting_user: Any, bill_ids: list[int] | None = None, provider: str = "demo"
) -> PaymentOrder:
    """A resident starts paying online: the amount is what the chosen (or all) open
    bills still owe, fixed in the order."""
    unit = Unit.objects.select_related("compound").get(pk=unit.pk)
    _require(permissions.is_household(acting_user, unit))
    if get_provider(provider) is None:
        raise ApplicationError(FeesError.UNKNOWN_PROVIDER, _("未知的支付渠道"), field="provider")
    open_bills = _open_bills([unit.pk]).get(unit.pk, [])
    if bill_ids:
        chosen = set(bill_ids)
        mine = {b for b, _o in open_bills}
        if chosen - mine:
            raise ApplicationError(
                FeesError.BILL_NOT_OPEN, _("所选账单不属于该房屋或已结清"), field="bill_ids"
            )
        open_bills = [(b, o) for b, o in open_bills if b in chosen]
    amount = sum(o for _b, o in open_bills)
    if amount <= 0:
        raise ApplicationError(FeesError.NOTHING_DUE, _("当前没有待缴费用"), field="bill_ids")
    order = PaymentOrder.objects.create(
        order_no=f"PO{timezone.localdate():%Y%m%d}{secrets.token_hex(6).upper()}",
        provider=provider,
        unit=unit,
        amount_fen=amount,
        bill_ids=sorted(bill_ids or []),
        created_by=acting_user,
    )
    return order


def callback_receive(
    *, provider_name: str, body: bytes, signature: str
) -> tuple[str, Payment | None]:
    """Handle a provider's callback. Returns ("applied" | "replayed" | "failed", payment).

    Refused with a 4xx (nothing written): an unknown provider, a bad signature, an
    unknown order, an amount that is not the order's. A replay (the same event again,
    or another event for an order already paid) changes nothing and says so."""
    provider = get_provider(provider_name)
    if provider is None:
        raise ApplicationError(FeesError.UNKNOWN_PROVIDER, _("未知的支付渠道"), status=404)
    try:
        data = provider.verify(body, signature)
    except CallbackInvalid as exc:
        raise ApplicationError(FeesError.BAD_SIGNATURE, _("回调签名无效"), status=403) from exc
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(order_no=data.order_no).first()
        if order is None or order.provider != provider_name:
            raise ApplicationError(
                FeesError.UNKNOWN_ORDER, _("未知的订单"), field="order_no", status=404
            )
        if ProviderCallback.objects.filter(provider=provider_name, event_id=data.event_id).exists():
            return "replayed", order.payment
        if order.status == OrderStatus.PAID:
            ProviderCallback.objects.create(
                provider=provider_name,
                event_id=data.event_id,
                order_no=order.order_no,
                body={"replay_of_paid_order": True, "ref": data.provider_ref},
            )
            return "replayed", order.payment
        if data.amount_fen != order.amount_fen:
            raise ApplicationError(
                FeesError.AMOUNT_MISMATCH, _("回调金额与订单金额不一致"), field="amount"
            )
        ProviderCallback.objects.create(
            provider=provider_name,
            event_id=data.event_id,
            order_no=order.order_no,
            body={"ref": data.provider_ref, "amount_fen": data.amount_fen, "paid": data.paid},
        )
        if not data.paid:
            order.status = OrderStatus.FAILED
            order.save(update_fields=["status", "updated_at"])
            return "failed", None
        payment = payment_record(
            unit=order.unit,
            method=Method.ONLINE,
            amount=order.amount_fen,
            reference=data.provider_ref,
            bill_ids=order.bill_ids or None,
            acting_user=order.created_by,
            payer_name="",
            _system=True,
        )
        order.status, order.payment = OrderStatus.PAID, payment
        order.save(update_fields=["status", "payment", "updated_at"])
        return "applied", payment


# --- hardship --------------------------------------------------------------------------------


@transaction.atomic
def hardship_grant(
    *,
    unit: Unit,
    policy: HardshipPolicy,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    acting_user: Any,
) -> HardshipGrant:
    """Grant a household a hardship reduction (低保/特困) under a policy. Only a role
    that may see the hardship tag, in its scope, and only when a person of the unit
    carries the policy's tag (checked through ``person_reveal``, so the read is logged)."""
    from redprop.people.choices import SensitiveField
    from redprop.people.models import Person
    from redprop.people.services import person_reveal

    unit = Unit.objects.select_related("compound").get(pk=unit.pk)
    _require(permissions.may_see_hardship(acting_user, unit))
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(FeesError.INVALID_DATES, _("结束日期早于开始日期"), field="valid_to")
    people = Person.objects.filter(pk__in=_people_of(unit))
    eligible = False
    for person in people.distinct():
        tags = person_reveal(
            person=person,
            field=SensitiveField.SENSITIVE_TAGS,
            reason="困难减免资格核验",
            context=f"fees.hardship_grant unit={unit.pk}",
            acting_user=acting_user,
        )
        if policy.tag_code in tags:
            eligible = True
            break
    if not eligible:
        raise ApplicationError(
            FeesError.HARDSHIP_NOT_ELIGIBLE, _("该户无人具有此项减免对应的身份"), field="policy"
        )
    grant = HardshipGrant.objects.create(
        unit=unit,
        policy=policy,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit(actor=acting_user, event=AuditEvent.FEE_HARDSHIP_GRANTED, target=grant)
    return grant


# --- rent, subsidy, costs --------------------------------------------------------------------


@transaction.atomic
def ledger_item_record(
    *,
    company: Any,
    compound: Compound | None,
    amount: int,
    occurred_on: dt.date,
    memo: str,
    acting_user: Any,
    income_kind: str = "",
    cost_kind: str = "",
) -> LedgerItem:
    """Record rent (门面、车位), a government subsidy, or a cost (人员、维修、保洁、
    公共水电) of a compound or of the whole company; money moves through the bank."""
    if compound is not None and compound.company_id != company.pk:
        raise ApplicationError(
            FeesError.NOT_A_RED_COMPOUND, _("该小区不由此企业服务"), field="compound"
        )
    if compound is not None:
        _require(permissions.is_collector(acting_user, compound))
    else:
        _require(
            permissions.is_sysadmin(acting_user)
            or any(
                r.role == "company_staff" and r.org_id == company.pk
                for r in getattr(acting_user, "active_roles", [])
            )
        )
    if bool(income_kind) == bool(cost_kind):
        raise ApplicationError(FeesError.INVALID_AMOUNT, _("请选择收入或费用类别"), field="kind")
    if income_kind and income_kind not in IncomeKind.values:
        raise ApplicationError(FeesError.INVALID_AMOUNT, _("未知的收入类别"), field="kind")
    if cost_kind and cost_kind not in CostKind.values:
        raise ApplicationError(FeesError.INVALID_AMOUNT, _("未知的费用类别"), field="kind")
    if not isinstance(amount, int) or amount <= 0:
        raise ApplicationError(FeesError.NOT_POSITIVE, _("金额必须大于零"), field="amount")
    memo = (memo or "").strip()[:200] or str(
        IncomeKind(income_kind).label if income_kind else CostKind(cost_kind).label
    )
    if income_kind:
        lines = [Line(Account.BANK, amount), Line(INCOME_ACCOUNT[IncomeKind(income_kind)], -amount)]
        kind = EntryKind.SUBSIDY if income_kind == IncomeKind.SUBSIDY else EntryKind.RENT
    else:
        lines = [Line(COST_ACCOUNT[CostKind(cost_kind)], amount), Line(Account.BANK, -amount)]
        kind = EntryKind.COST
    entry = post(
        kind=kind,
        lines=lines,
        compound=compound,
        company=company,
        occurred_on=occurred_on,
        memo=memo,
        acting_user=acting_user,
    )
    item = LedgerItem(
        compound=compound,
        company=company,
        income_kind=income_kind,
        cost_kind=cost_kind,
        amount_fen=amount,
        occurred_on=occurred_on,
        memo=memo,
        entry=entry,
        **{k: getattr(entry, k) for k in ("city_id", "district_id", "street_id", "community_id")},
    )
    item.save()
    return item


def _people_of(unit: Unit) -> list[int]:
    from redprop.territory.models import Occupancy, Ownership

    ids = set(Occupancy.objects.filter(unit=unit).values_list("person_id", flat=True))
    ids |= set(
        Ownership.objects.filter(unit=unit, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    return sorted(ids)


def order_for(*, order_no: str, user: Any) -> PaymentOrder:
    order = PaymentOrder.objects.select_related("unit").filter(order_no=order_no).first()
    if order is None or not permissions.is_household(user, order.unit):
        raise NotFound()
    return order
