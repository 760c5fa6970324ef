"""The payment records: payments, their allocations to bills, refunds, online orders
and the providers' callbacks (append-only but the order). Re-exported by ``models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel, append_only_triggers
from redprop.fees.choices import (
    Method,
    OrderStatus,
)
from redprop.fees.model_base import AppendOnly, company_q

# --- payments ------------------------------------------------------------------------------


class Payment(AppendOnly, ScopedModel):
    """A payment received for one unit: cash at the window (receipt number), a bank
    transfer (its reference) or an online payment (the provider's reference). The same
    reference of the same method is recorded once (unique constraint)."""

    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, related_name="fee_payments", verbose_name=_("房屋")
    )
    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices)
    reference = models.CharField(_("凭证号/流水号"), max_length=64)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    received_on = models.DateField(_("收款日期"))
    payer_name = models.CharField(_("缴款人"), max_length=32, blank=True)
    entry = models.ForeignKey("fees.JournalEntry", models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = None  # type: ignore[assignment]

    class Meta:
        verbose_name = _("收款")
        verbose_name_plural = _("收款")
        ordering = ["-id"]
        triggers = append_only_triggers()
        constraints = [
            models.UniqueConstraint(fields=["method", "reference"], name="payment_reference_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return self.receipt_no

    @property
    def receipt_no(self) -> str:
        return f"SF{self.received_on:%Y%m}{self.pk:07d}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return company_q(org_id)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(unit__occupants__person_id=person_id) | Q(unit__owners__person_id=person_id)


class Allocation(AppendOnly):
    """Part of a payment (or of the unit's credit) applied to a bill; a negative row
    takes an application back (a refund of an applied payment)."""

    bill = models.ForeignKey("fees.Bill", models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    entry = models.ForeignKey("fees.JournalEntry", models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("金额（分）"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("核销")
        verbose_name_plural = _("核销")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="allocation_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.amount_fen}"


class Refund(AppendOnly):
    payment = models.ForeignKey(Payment, models.PROTECT, related_name="refunds")
    amount_fen = models.BigIntegerField(_("金额（分）"))
    reason = models.CharField(_("原因"), max_length=200)
    entry = models.ForeignKey("fees.JournalEntry", models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_via = "payment__"

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id} -{self.amount_fen}"


class PaymentOrder(BaseModel):
    """An online payment started by a resident: the provider reports it through a
    signed callback; ``order_no`` is what the provider echoes back."""

    order_no = models.CharField(_("订单号"), max_length=32, unique=True)
    provider = models.CharField(_("支付渠道"), max_length=16)
    unit = models.ForeignKey("territory.Unit", models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("金额（分）"))
    bill_ids = models.JSONField(_("指定账单"), default=list, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    payment = models.ForeignKey(Payment, models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_via = "unit__"

    class Meta:
        verbose_name = _("在线支付订单")
        verbose_name_plural = _("在线支付订单")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="order_positive"),
        ]

    def __str__(self) -> str:
        return self.order_no


class ProviderCallback(AppendOnly):
    """Every verified callback, once: a replay finds its row and changes nothing."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=64)
    order_no = models.CharField(max_length=32)
    body = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("支付回调")
        verbose_name_plural = _("支付回调")
        triggers = append_only_triggers()
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="callback_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"
