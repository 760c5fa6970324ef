"""Fee schedules, bills, payments and the double-entry ledger behind them.

Money is integer fen (``*_fen``, ``BigIntegerField``); see ``fees/money.py`` and
docs/adr/0023-money-rounding-ledger.md. The ledger (``JournalEntry`` and
``JournalLine``) and the records it posts (bills, bill lines, reductions, payments,
allocations, refunds) are append-only: the managers refuse ``update``/``delete``, the
instances refuse a second ``save`` and ``delete``, and on PostgreSQL a trigger refuses
UPDATE and DELETE (raw SQL too). A correction is a new entry.

The append-only base is in ``model_base.py``; the payment records (payments,
allocations, refunds, online orders, callbacks) in ``payment_models.py``, re-exported here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel, append_only_triggers
from redprop.fees.choices import (
    Account,
    Basis,
    Charge,
    DisclosureStatus,
    EntryKind,
    IncomeKind,
    RunStatus,
)
from redprop.fees.model_base import AppendOnly, company_q

# The payment records live in their own module; importing them here registers them
# with the app and keeps ``from redprop.fees.models import Payment`` working.
from redprop.fees.payment_models import (  # noqa: F401
    Allocation,
    Payment,
    PaymentOrder,
    ProviderCallback,
    Refund,
)

# --- charging ------------------------------------------------------------------------------


class FeeSchedule(BaseModel):
    """One charge's rate in one compound from ``valid_from`` to ``valid_to`` (inclusive;
    open-ended when empty). Two schedules of the same charge and name never overlap
    (``services.schedule_create`` checks under a lock on the compound)."""

    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="fee_schedules", verbose_name=_("小区")
    )
    charge = models.CharField(_("收费项目"), max_length=16, choices=Charge.choices)
    name = models.CharField(_("名称"), max_length=32)
    basis = models.CharField(_("计费方式"), max_length=20, choices=Basis.choices)
    # Yuan per m² per month, or per unit/subscription per month: up to 4 decimals.
    rate = models.DecimalField(_("单价（元）"), max_digits=10, decimal_places=4)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_via = "compound__"

    class Meta:
        verbose_name = _("收费标准")
        verbose_name_plural = _("收费标准")
        ordering = ["compound_id", "charge", "name", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(rate__gt=0), name="fee_schedule_rate_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="fee_schedule_dates_ordered",
            ),
            models.UniqueConstraint(
                fields=["compound", "charge", "name", "valid_from"],
                name="fee_schedule_one_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.rate} {self.valid_from}"


class Subscription(BaseModel):
    """A unit's registered quantity of a per-subscription charge (e.g. 1 parking space)."""

    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, related_name="fee_subscriptions", verbose_name=_("房屋")
    )
    charge = models.CharField(_("收费项目"), max_length=16, choices=Charge.choices)
    name = models.CharField(_("名称"), max_length=32)
    quantity = models.PositiveSmallIntegerField(_("数量"), default=1)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    scope_via = "unit__"

    class Meta:
        verbose_name = _("收费登记")
        verbose_name_plural = _("收费登记")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=100), name="subscription_qty_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.name} × {self.quantity}"


class PeriodClose(BaseModel):
    """A compound's month closed (by its public disclosure): no bill run, no posting into
    it; a later correction posts into the next open month, marked as a correction."""

    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    period = models.DateField(_("月份"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_via = "compound__"

    class Meta:
        verbose_name = _("已结账月份")
        verbose_name_plural = _("已结账月份")
        constraints = [
            models.UniqueConstraint(fields=["compound", "period"], name="period_close_once"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.period:%Y-%m}"


class BillRun(BaseModel):
    """One month's billing of one compound. Unique per (compound, month): a second run
    of the same month finds this row and bills nothing."""

    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="bill_runs", verbose_name=_("小区")
    )
    period = models.DateField(_("月份"))
    status = models.CharField(
        _("状态"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    bills = models.PositiveIntegerField(_("账单数"), default=0)
    total_fen = models.BigIntegerField(_("应收合计（分）"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)

    scope_via = "compound__"

    class Meta:
        verbose_name = _("账单批次")
        verbose_name_plural = _("账单批次")
        ordering = ["-period", "compound_id"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "period"], name="bill_run_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.period:%Y-%m}"


# --- the ledger ----------------------------------------------------------------------------


class JournalEntry(AppendOnly, ScopedModel):
    """记账凭证: one event in the books. Its lines sum to zero."""

    kind = models.CharField(_("类型"), max_length=16, choices=EntryKind.choices)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    company = models.ForeignKey(
        "orgs.Org", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("企业")
    )
    # The month the entry counts in (first day); ``original_period`` is the closed month
    # a correction belongs to (it is then shown as a correction in ``period``).
    period = models.DateField(_("所属月份"), db_index=True)
    original_period = models.DateField(_("更正所属月份"), null=True, blank=True)
    occurred_on = models.DateField(_("发生日期"))
    memo = models.CharField(_("摘要"), max_length=200, blank=True)
    reverses = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("冲销")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Not ``created_at``'s auto_now sibling: nothing here is ever updated.
    updated_at = None  # type: ignore[assignment]

    class Meta:
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")
        ordering = ["-id"]
        triggers = append_only_triggers()
        indexes = [models.Index(fields=["compound", "period"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)


class JournalLine(AppendOnly):
    """分录: debit (positive) or credit (negative) of one account; ``unit`` is set on the
    per-unit accounts (receivable, credit)."""

    entry = models.ForeignKey(JournalEntry, models.PROTECT, related_name="lines")
    account = models.CharField(_("科目"), max_length=20, choices=Account.choices)
    amount_fen = models.BigIntegerField(_("金额（分，借正贷负）"))
    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Copied from the entry: the gap ledger and the checks group lines without a join.
    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.DateField(_("所属月份"))

    scope_via = "entry__"

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        triggers = append_only_triggers()
        indexes = [
            models.Index(fields=["unit", "account"]),
            models.Index(fields=["compound", "period", "account"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="journal_line_not_zero"),
            models.CheckConstraint(
                condition=~Q(account__in=["receivable", "credit"]) | Q(unit__isnull=False),
                name="journal_line_unit_accounts_name_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen}"


class Bill(AppendOnly, ScopedModel):
    """A unit's monthly bill (账单). Its amount is fixed; what is paid is the sum of its
    allocations, what is reduced the sum of its reductions."""

    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, related_name="bills", verbose_name=_("房屋")
    )
    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    run = models.ForeignKey(BillRun, models.PROTECT, related_name="bill_set")
    entry = models.ForeignKey(JournalEntry, models.PROTECT, related_name="+")
    period = models.DateField(_("月份"))
    amount_fen = models.BigIntegerField(_("金额（分）"))
    updated_at = None  # type: ignore[assignment]

    class Meta:
        verbose_name = _("账单")
        verbose_name_plural = _("账单")
        ordering = ["unit_id", "period"]
        triggers = append_only_triggers()
        constraints = [
            models.UniqueConstraint(fields=["unit", "period"], name="bill_once_per_unit_month"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="bill_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period:%Y-%m}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return company_q(org_id)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(unit__occupants__person_id=person_id) | Q(unit__owners__person_id=person_id)


class BillLine(AppendOnly):
    bill = models.ForeignKey(Bill, models.PROTECT, related_name="lines")
    schedule = models.ForeignKey(FeeSchedule, models.PROTECT, related_name="+")
    charge = models.CharField(_("收费项目"), max_length=16, choices=Charge.choices)
    description = models.CharField(_("说明"), max_length=120)
    quantity = models.DecimalField(_("数量/面积"), max_digits=10, decimal_places=2)
    rate = models.DecimalField(_("单价"), max_digits=10, decimal_places=4)
    days = models.PositiveSmallIntegerField(_("计费天数"))
    days_in_month = models.PositiveSmallIntegerField(_("当月天数"))
    amount_fen = models.BigIntegerField(_("金额（分）"))

    scope_via = "bill__"

    class Meta:
        verbose_name = _("账单明细")
        verbose_name_plural = _("账单明细")
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return self.description


class HardshipPolicy(BaseModel):
    """困难减免政策 as data: which households (by a sensitive person tag: 低保, 特困)
    get which share of which charge reduced, paid as a subsidy (not a lower price)."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    tag_code = models.CharField(_("对应人员标签"), max_length=32)
    charge = models.CharField(
        _("减免项目"), max_length=16, choices=Charge.choices, default=Charge.PROPERTY
    )
    percent = models.DecimalField(_("减免比例（%）"), max_digits=5, decimal_places=2)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("困难减免政策")
        verbose_name_plural = _("困难减免政策")
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gt=0) & Q(percent__lte=100), name="hardship_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HardshipGrant(BaseModel):
    """A unit's reduction under a policy, decided by the community (who may see the
    household's hardship tag). Visible only to the roles that may see that tag."""

    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    policy = models.ForeignKey(HardshipPolicy, models.PROTECT, verbose_name=_("政策"))
    valid_from = models.DateField(_("开始日期"))
    valid_to = models.DateField(_("结束日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    scope_via = "unit__"

    class Meta:
        verbose_name = _("困难减免资格")
        verbose_name_plural = _("困难减免资格")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.policy}"


class Reduction(AppendOnly):
    """The subsidy line of a bill: the reduced share, posted as its own entry."""

    bill = models.ForeignKey(Bill, models.PROTECT, related_name="reductions")
    grant = models.ForeignKey(HardshipGrant, models.PROTECT, related_name="+")
    entry = models.ForeignKey(JournalEntry, models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("金额（分）"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_via = "bill__"

    class Meta:
        verbose_name = _("减免")
        verbose_name_plural = _("减免")
        triggers = append_only_triggers()
        constraints = [
            models.UniqueConstraint(fields=["bill", "grant"], name="reduction_once_per_bill"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="reduction_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} -{self.amount_fen}"


class BillAdjustment(AppendOnly):
    """A correction of a bill (更正): positive charges more, negative forgives part of
    what is still open. Its own entry; the bill itself is never edited."""

    bill = models.ForeignKey(Bill, models.PROTECT, related_name="adjustments")
    entry = models.ForeignKey(JournalEntry, models.PROTECT, related_name="+")
    amount_fen = models.BigIntegerField(_("金额（分）"))
    reason = models.CharField(_("原因"), max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    scope_via = "bill__"

    class Meta:
        verbose_name = _("账单更正")
        verbose_name_plural = _("账单更正")
        triggers = append_only_triggers()
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="bill_adjustment_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.amount_fen}"


# --- income, costs, disclosure -------------------------------------------------------------


class LedgerItem(AppendOnly, ScopedModel):
    """Rent, subsidy or a cost of a compound (or of the company as a whole)."""

    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey("orgs.Org", models.PROTECT, related_name="+")
    income_kind = models.CharField(
        _("收入类别"), max_length=16, choices=IncomeKind.choices, blank=True
    )
    cost_kind = models.CharField(_("费用类别"), max_length=16, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    occurred_on = models.DateField(_("日期"))
    memo = models.CharField(_("摘要"), max_length=200)
    entry = models.ForeignKey(JournalEntry, models.PROTECT, related_name="+")
    updated_at = None  # type: ignore[assignment]

    class Meta:
        verbose_name = _("收支记录")
        verbose_name_plural = _("收支记录")
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return self.memo

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)


class Disclosure(BaseModel):
    """公示: a compound's month of income and spending, signed by the owners' committee
    and the party organisation, then published; the month is then closed."""

    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="disclosures", verbose_name=_("小区")
    )
    period = models.DateField(_("月份"))
    status = models.CharField(
        _("状态"), max_length=20, choices=DisclosureStatus.choices, default=DisclosureStatus.DRAFT
    )
    figures = models.JSONField(_("数据"), default=dict)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    committee_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    committee_signed_at = models.DateTimeField(null=True, blank=True)
    party_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    party_signed_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    scope_via = "compound__"

    class Meta:
        verbose_name = _("收支公示")
        verbose_name_plural = _("收支公示")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "period"], name="disclosure_once"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.period:%Y-%m}"


class ReminderRun(BaseModel):
    """The month's arrears reminders of a compound were sent (once per month)."""

    compound = models.ForeignKey("territory.Compound", models.PROTECT, related_name="+")
    period = models.DateField(_("月份"))
    units = models.PositiveIntegerField(_("提醒户数"), default=0)

    class Meta:
        verbose_name = _("欠费提醒批次")
        verbose_name_plural = _("欠费提醒批次")
        constraints = [
            models.UniqueConstraint(fields=["compound", "period"], name="reminder_once_per_month"),
        ]

    def __str__(self) -> str:
        return f"{self.compound_id} {self.period:%Y-%m}"
