"""Money in and back out: payments at the window (收款), refunds (退款), corrections
of a bill (更正), and online payment (orders and the provider's callback).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, Conflict, NotFound
from redprop.core.models import AuditEvent
from redprop.fees import permissions
from redprop.fees.allocation import allocate, apply_credit, open_bills_of
from redprop.fees.choices import (
    METHOD_ACCOUNT,
    Account,
    EntryKind,
    Method,
    OrderStatus,
)
from redprop.fees.errors import FeesError
from redprop.fees.ledger import Line, post
from redprop.fees.models import (
    Allocation,
    Bill,
    BillAdjustment,
    JournalLine,
    Payment,
    PaymentOrder,
    ProviderCallback,
    Refund,
)
from redprop.fees.providers import CallbackInvalid, get_provider
from redprop.fees.service_base import require
from redprop.territory.models import Unit

# --- payments -------------------------------------------------------------------------------


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
        require(permissions.is_collector(acting_user, unit.compound))
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
    moves, left = allocate(unit, amount, bill_ids)
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
    require(permissions.is_collector(acting_user, unit.compound))
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
    require(permissions.is_collector(acting_user, unit.compound))
    reason = (reason or "").strip()
    if len(reason) < 2 or len(reason) > 200:
        raise ApplicationError(
            FeesError.INVALID_AMOUNT, _("请填写更正原因（2–200 字）"), field="reason"
        )
    if not isinstance(amount, int) or amount == 0 or abs(amount) > 10_000_000_00:
        raise ApplicationError(FeesError.NOT_POSITIVE, _("更正金额不能为零"), field="amount")
    if amount < 0:
        outstanding = dict(open_bills_of([unit.pk]).get(unit.pk, [])).get(bill.pk, 0)
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
        apply_credit(unit.compound, entry.period, [unit.pk])
    return adjustment


# --- online payment -------------------------------------------------------------------------


@transaction.atomic
def order_create(
    *, unit: Unit, acting_user: Any, bill_ids: list[int] | None = None, provider: str = "demo"
) -> PaymentOrder:
    """A resident starts paying online: the amount is what the chosen (or all) open
    bills still owe, fixed in the order."""
    unit = Unit.objects.select_related("compound").get(pk=unit.pk)
    require(permissions.is_household(acting_user, unit))
    if get_provider(provider) is None:
        raise ApplicationError(FeesError.UNKNOWN_PROVIDER, _("未知的支付渠道"), field="provider")
    open_bills = open_bills_of([unit.pk]).get(unit.pk, [])
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


def order_for(*, order_no: str, user: Any) -> PaymentOrder:
    order = PaymentOrder.objects.select_related("unit").filter(order_no=order_no).first()
    if order is None or not permissions.is_household(user, order.unit):
        raise NotFound()
    return order
