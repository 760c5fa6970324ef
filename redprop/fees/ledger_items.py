"""Rent (门面、车位), government subsidies and costs (人员、维修、保洁、公共水电) of a
compound or of the whole company, recorded on the ledger.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError
from redprop.fees import permissions
from redprop.fees.choices import (
    COST_ACCOUNT,
    INCOME_ACCOUNT,
    Account,
    CostKind,
    EntryKind,
    IncomeKind,
)
from redprop.fees.errors import FeesError
from redprop.fees.ledger import Line, post
from redprop.fees.models import (
    LedgerItem,
)
from redprop.fees.service_base import require
from redprop.territory.models import Compound


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
        require(permissions.is_collector(acting_user, compound))
    else:
        require(
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
