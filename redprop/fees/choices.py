"""The chart of accounts, charges, methods and states of the fees app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    ASSET = "asset", _("资产")
    LIABILITY = "liability", _("负债")
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


class Account(models.TextChoices):
    """The chart of accounts (科目表). Receivable and credit are kept per unit: every line
    on them names its unit (the sub-ledger); the others per compound or company.

    Sign convention: a line's ``amount_fen`` is a debit when positive, a credit when
    negative; an entry's lines sum to zero.
    """

    RECEIVABLE = "receivable", _("应收物业费")
    CREDIT = "credit", _("预收款（住户余额）")
    CASH = "cash", _("库存现金")
    BANK = "bank", _("银行存款")
    ONLINE = "online", _("在线支付待清算")
    FEE_INCOME = "fee_income", _("物业服务费收入")
    PARKING_INCOME = "parking_income", _("车位服务费收入")
    OTHER_FEE_INCOME = "other_fee_income", _("其他收费收入")
    RENT_INCOME = "rent_income", _("经营租金收入（门面、车位）")
    SUBSIDY_INCOME = "subsidy_income", _("政府补贴收入")
    HARDSHIP_SUBSIDY = "hardship_subsidy", _("困难户减免补贴")
    COST_STAFF = "cost_staff", _("人员费用")
    COST_REPAIRS = "cost_repairs", _("维修费用")
    COST_CLEANING = "cost_cleaning", _("保洁费用")
    COST_UTILITIES = "cost_utilities", _("公共部位水电费")
    COST_OTHER = "cost_other", _("其他费用")


ACCOUNT_KIND: dict[str, str] = {
    Account.RECEIVABLE: AccountKind.ASSET,
    Account.CREDIT: AccountKind.LIABILITY,
    Account.CASH: AccountKind.ASSET,
    Account.BANK: AccountKind.ASSET,
    Account.ONLINE: AccountKind.ASSET,
    Account.FEE_INCOME: AccountKind.INCOME,
    Account.PARKING_INCOME: AccountKind.INCOME,
    Account.OTHER_FEE_INCOME: AccountKind.INCOME,
    Account.RENT_INCOME: AccountKind.INCOME,
    Account.SUBSIDY_INCOME: AccountKind.INCOME,
    Account.HARDSHIP_SUBSIDY: AccountKind.EXPENSE,
    Account.COST_STAFF: AccountKind.EXPENSE,
    Account.COST_REPAIRS: AccountKind.EXPENSE,
    Account.COST_CLEANING: AccountKind.EXPENSE,
    Account.COST_UTILITIES: AccountKind.EXPENSE,
    Account.COST_OTHER: AccountKind.EXPENSE,
}
UNIT_ACCOUNTS = frozenset({Account.RECEIVABLE, Account.CREDIT})
COST_ACCOUNTS = (
    Account.COST_STAFF,
    Account.COST_REPAIRS,
    Account.COST_CLEANING,
    Account.COST_UTILITIES,
    Account.COST_OTHER,
)
FEE_INCOME_ACCOUNTS = (Account.FEE_INCOME, Account.PARKING_INCOME, Account.OTHER_FEE_INCOME)


class EntryKind(models.TextChoices):
    BILL = "bill", _("开具账单")
    REDUCTION = "reduction", _("困难减免")
    PAYMENT = "payment", _("收款")
    CREDIT_APPLIED = "credit_applied", _("余额抵扣")
    REFUND = "refund", _("退款")
    ADJUSTMENT = "adjustment", _("更正调整")
    RENT = "rent", _("租金收入")
    SUBSIDY = "subsidy", _("补贴收入")
    COST = "cost", _("费用支出")


class Charge(models.TextChoices):
    PROPERTY = "property", _("物业服务费")
    PARKING = "parking", _("车位服务费")
    OTHER = "other", _("其他收费")


CHARGE_ACCOUNT: dict[str, str] = {
    Charge.PROPERTY: Account.FEE_INCOME,
    Charge.PARKING: Account.PARKING_INCOME,
    Charge.OTHER: Account.OTHER_FEE_INCOME,
}


class Basis(models.TextChoices):
    """What a schedule's rate is multiplied by (one month)."""

    FLOOR_AREA = "floor_area", _("按建筑面积（元/m²·月）")
    EXCLUSIVE_AREA = "exclusive_area", _("按专有部分面积（元/m²·月）")
    PER_UNIT = "per_unit", _("按户定额（元/户·月）")
    PER_SUBSCRIPTION = "per_subscription", _("按登记数量（元/个·月，如车位）")


class Method(models.TextChoices):
    CASH = "cash", _("现金（窗口）")
    BANK = "bank", _("银行转账")
    ONLINE = "online", _("在线支付")


METHOD_ACCOUNT: dict[str, str] = {
    Method.CASH: Account.CASH,
    Method.BANK: Account.BANK,
    Method.ONLINE: Account.ONLINE,
}


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("待支付")
    PAID = "paid", _("已支付")
    FAILED = "failed", _("支付失败")


class IncomeKind(models.TextChoices):
    """Income that covers the gap (DOMAIN.md §11)."""

    SHOP_RENT = "shop_rent", _("门面租金")
    PARKING_RENT = "parking_rent", _("车位租金")
    SUBSIDY = "subsidy", _("政府补贴")


INCOME_ACCOUNT: dict[str, str] = {
    IncomeKind.SHOP_RENT: Account.RENT_INCOME,
    IncomeKind.PARKING_RENT: Account.RENT_INCOME,
    IncomeKind.SUBSIDY: Account.SUBSIDY_INCOME,
}


class CostKind(models.TextChoices):
    STAFF = "staff", _("人员")
    REPAIRS = "repairs", _("维修")
    CLEANING = "cleaning", _("保洁")
    UTILITIES = "utilities", _("公共部位水电")
    OTHER = "other", _("其他")


COST_ACCOUNT: dict[str, str] = {
    CostKind.STAFF: Account.COST_STAFF,
    CostKind.REPAIRS: Account.COST_REPAIRS,
    CostKind.CLEANING: Account.COST_CLEANING,
    CostKind.UTILITIES: Account.COST_UTILITIES,
    CostKind.OTHER: Account.COST_OTHER,
}


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COMMITTEE_SIGNED = "committee_signed", _("业委会已签字")
    PARTY_SIGNED = "party_signed", _("党组织已签字")
    PUBLISHED = "published", _("已公示")


DISCLOSURE_TRANSITIONS = {
    DisclosureStatus.DRAFT: {DisclosureStatus.COMMITTEE_SIGNED},
    DisclosureStatus.COMMITTEE_SIGNED: {DisclosureStatus.PARTY_SIGNED},
    DisclosureStatus.PARTY_SIGNED: {DisclosureStatus.PUBLISHED},
    DisclosureStatus.PUBLISHED: set(),
}

# Arrears ageing buckets, in months overdue (upper bounds; the last is open).
AGEING_BUCKETS = (1, 3, 6, 12)
