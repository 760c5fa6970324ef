"""xlsx exports of a compound's books: bills, payments, arrears, the gap ledger.

Amounts are written as numbers of yuan with two decimals, converted from integer fen
through ``Decimal`` (openpyxl stores them as numbers; no float arithmetic happens here).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook

from redprop.fees import selectors
from redprop.fees.choices import COST_ACCOUNTS, Account
from redprop.fees.models import Bill, Payment
from redprop.fees.money import yuan

KINDS = ("bills", "payments", "arrears", "gap")
MONEY = "#,##0.00"


def build(*, kind: str, compound: Any, year: int, as_of: dt.date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = kind
    rows: list[list[Any]]
    money_from = 0
    if kind == "bills":
        bills = list(
            Bill.objects.filter(compound=compound)
            .select_related("unit")
            .order_by("period", "unit_id")
        )
        status = selectors.bill_status(bills)
        rows = [[_("月份"), _("房屋"), _("金额"), _("减免"), _("已缴"), _("未缴")]]
        rows += [
            [
                f"{b.period:%Y-%m}",
                b.unit.label,
                yuan(b.amount_fen),
                yuan(status[b.pk]["reduced"]),
                yuan(status[b.pk]["paid"]),
                yuan(status[b.pk]["outstanding"]),
            ]
            for b in bills
        ]
        money_from = 2
    elif kind == "payments":
        rows = [[_("收据号"), _("日期"), _("房屋"), _("方式"), _("凭证号"), _("金额")]]
        rows += [
            [
                p.receipt_no,
                p.received_on,
                p.unit.label,
                str(p.get_method_display()),
                p.reference,
                yuan(p.amount_fen),
            ]
            for p in Payment.objects.filter(compound=compound).select_related("unit").order_by("pk")
        ]
        money_from = 5
    elif kind == "arrears":
        rows = [
            [
                _("房屋"),
                *[_("%(b)s 个月") % {"b": b} for b in selectors.BUCKETS],
                _("合计"),
                _("最早月份"),
            ]
        ]
        for r in selectors.arrears(
            compounds=type(compound).objects.filter(pk=compound.pk), as_of=as_of
        ):
            rows.append(
                [
                    r.label,
                    *[yuan(r.buckets[b]) for b in selectors.BUCKETS],
                    yuan(r.total),
                    f"{r.oldest:%Y-%m}",
                ]
            )
        money_from = 1
    else:
        months = selectors.gap_ledger(
            compound_ids=[compound.pk], start=dt.date(year, 1, 1), end=dt.date(year, 12, 1)
        )
        rows = [
            [
                _("月份"),
                _("物业费收入"),
                _("困难户减免"),
                _("已收"),
                *[str(Account(a).label) for a in COST_ACCOUNTS],
                _("费用合计"),
                _("缺口"),
                _("租金收入"),
                _("补贴收入"),
                _("结余"),
                _("收缴率"),
            ]
        ]
        for m in months:
            rate = m.collection_rate
            rows.append(
                [
                    f"{m.period:%Y-%m}",
                    yuan(m.billed),
                    yuan(m.hardship),
                    yuan(m.collected),
                    *[yuan(m.costs[a]) for a in COST_ACCOUNTS],
                    yuan(m.cost_total),
                    yuan(m.gap),
                    yuan(m.rent),
                    yuan(m.subsidy),
                    yuan(m.net),
                    "" if rate is None else f"{rate * 100:.1f}%",
                ]
            )
        money_from = 1
    for row in rows:
        ws.append(row)
    for row in ws.iter_rows(min_row=2):
        for cell in row[money_from:]:
            if cell.data_type == "n":
                cell.number_format = MONEY
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
