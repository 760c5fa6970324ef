"""The fees API under ``/api/v1/fees/`` (docs/subsystems/fees.md).

Amounts travel as strings of yuan with at most two decimals (``"40.28"``): a JSON
number is refused (400, ``field: amount``), so a float never enters the books.
A refusal never tells whether an object exists: what the caller may not read is 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja import Path as PathParam

from redprop.core.errors import NotFound, PermissionDenied
from redprop.core.inputs import Id, Text
from redprop.fees import disclosure as disclosure_services
from redprop.fees import permissions, selectors, services
from redprop.fees.ledger import parse_month
from redprop.fees.models import Disclosure, Payment
from redprop.fees.money import yuan
from redprop.fees.providers import get_provider
from redprop.territory.models import Compound, Unit

router = Router(tags=["fees 物业费"])

Amount = Annotated[str, Field(min_length=1, max_length=16, description='元，字符串，如 "40.28"')]
Month = Annotated[str, Field(min_length=7, max_length=7, description="YYYY-MM")]
BillIds = Annotated[list[Id], Field(max_length=120)]


def _money(fen: int) -> str:
    return str(yuan(fen))


def _unit(user: Any, unit_id: int) -> Unit:
    unit = Unit.objects.select_related("compound").filter(pk=unit_id).first()
    if unit is None or not (
        permissions.is_household(user, unit) or permissions.may_read_books(user, unit.compound)
    ):
        raise NotFound()
    return unit


def _compound(user: Any, compound_id: int) -> Compound:
    compound = Compound.objects.filter(pk=compound_id).first()
    if compound is None or not permissions.may_read_books(user, compound):
        raise NotFound()
    return compound


def _collector_compound(user: Any, compound_id: int) -> Compound:
    compound = _compound(user, compound_id)
    if not permissions.is_collector(user, compound):
        raise PermissionDenied()
    return compound


class BillOut(Schema):
    id: int
    month: str
    amount: str
    reduced: str
    paid: str
    outstanding: str


class StatementRowOut(Schema):
    on: dt.date
    kind: str
    label: str
    debit: str
    credit: str
    balance: str


class StatementOut(Schema):
    unit_id: int
    unit: str
    compound: str
    owed: str
    credit: str
    net_due: str
    bills: list[BillOut]
    rows: list[StatementRowOut]


@router.get("/units/{unit_id}/statement", response=StatementOut, url_name="fees_statement")
def statement(request: HttpRequest, unit_id: int) -> dict[str, Any]:
    """对账单: a unit's bills, payments and balance (the household, the company, the desks)."""
    unit = _unit(request.user, unit_id)
    show = permissions.may_see_hardship(request.user, unit)
    st = selectors.unit_statement(unit=unit, show_hardship=show)
    bills = list(unit.bills.order_by("period"))
    status = selectors.bill_status(bills)
    return {
        "unit_id": unit.pk,
        "unit": unit.label,
        "compound": unit.compound.name,
        "owed": _money(st.receivable),
        "credit": _money(st.credit),
        "net_due": _money(st.net_due),
        "bills": [
            {
                "id": b.pk,
                "month": f"{b.period:%Y-%m}",
                "amount": _money(b.amount_fen),
                "reduced": _money(status[b.pk]["reduced"]),
                "paid": _money(status[b.pk]["paid"]),
                "outstanding": _money(status[b.pk]["outstanding"]),
            }
            for b in bills
        ],
        "rows": [
            {
                "on": r.on,
                "kind": r.kind,
                "label": r.label,
                "debit": _money(r.debit),
                "credit": _money(r.credit),
                "balance": _money(r.balance),
            }
            for r in st.rows
        ],
    }


class PaymentIn(Schema):
    unit_id: Id
    method: Literal["cash", "bank"]
    amount: Amount
    reference: Text(64, required=True)  # type: ignore[valid-type]
    bill_ids: BillIds = Field(default_factory=list)
    payer_name: Text(32) = ""  # type: ignore[valid-type]


class PaymentOut(Schema):
    id: int
    receipt_no: str
    unit_id: int
    method: str
    amount: str
    reference: str
    received_on: dt.date
    owed_after: str
    credit_after: str


def _payment_out(p: Payment) -> dict[str, Any]:
    bal = selectors.unit_balances([p.unit_id])[p.unit_id]
    return {
        "id": p.pk,
        "receipt_no": p.receipt_no,
        "unit_id": p.unit_id,
        "method": p.method,
        "amount": _money(p.amount_fen),
        "reference": p.reference,
        "received_on": p.received_on,
        "owed_after": _money(bal["receivable"]),
        "credit_after": _money(bal["credit"]),
    }


@router.post("/payments", response={201: PaymentOut}, url_name="fees_payment_create")
def payment_create(request: HttpRequest, payload: PaymentIn) -> tuple[int, dict[str, Any]]:
    """收款 at the window (cash, receipt number) or by bank transfer (its reference)."""
    unit = _unit(request.user, payload.unit_id)
    if not permissions.is_collector(request.user, unit.compound):
        raise PermissionDenied()
    payment = services.payment_record(
        unit=unit,
        method=payload.method,
        amount=services.amount_fen(payload.amount),
        reference=payload.reference,
        bill_ids=payload.bill_ids or None,
        payer_name=payload.payer_name,
        acting_user=request.user,
    )
    return Status(201, _payment_out(payment))


class RefundIn(Schema):
    amount: Amount
    reason: Text(200, required=True)  # type: ignore[valid-type]


@router.post("/payments/{payment_id}/refund", response={201: PaymentOut}, url_name="fees_refund")
def refund(request: HttpRequest, payment_id: int, payload: RefundIn) -> tuple[int, dict[str, Any]]:
    """退款: its own entry; first from the unit's credit, then reopening bills."""
    payment = Payment.objects.select_related("compound").filter(pk=payment_id).first()
    if payment is None or not permissions.may_read_books(request.user, payment.compound):
        raise NotFound()
    if not permissions.is_collector(request.user, payment.compound):
        raise PermissionDenied()
    services.payment_refund(
        payment=payment,
        amount=services.amount_fen(payload.amount),
        reason=payload.reason,
        acting_user=request.user,
    )
    return Status(201, _payment_out(payment))


class OrderIn(Schema):
    unit_id: Id
    bill_ids: BillIds = Field(default_factory=list)
    provider: Literal["demo"] = "demo"


class OrderOut(Schema):
    order_no: str
    amount: str
    status: str
    cashier_url: str


@router.post("/orders", response={201: OrderOut}, url_name="fees_order_create")
def order_create(request: HttpRequest, payload: OrderIn) -> tuple[int, dict[str, Any]]:
    """A resident starts an online payment of their open bills (all, or those chosen)."""
    unit = _unit(request.user, payload.unit_id)
    if not permissions.is_household(request.user, unit):
        raise PermissionDenied()
    order = services.order_create(
        unit=unit,
        bill_ids=payload.bill_ids or None,
        provider=payload.provider,
        acting_user=request.user,
    )
    provider = get_provider(order.provider)
    return Status(
        201,
        {
            "order_no": order.order_no,
            "amount": _money(order.amount_fen),
            "status": order.status,
            "cashier_url": provider.cashier_url(order) if provider else "",
        },
    )


class CallbackOut(Schema):
    outcome: str
    payment_id: int | None = None


@router.post(
    "/callbacks/{provider}", response=CallbackOut, auth=None, url_name="fees_provider_callback"
)
def provider_callback(
    request: HttpRequest,
    provider: str = PathParam(..., max_length=16, pattern="^[a-z][a-z0-9_]{0,15}$"),
) -> dict[str, Any]:
    """A payment provider's signed callback (``X-Signature``: HMAC-SHA256 of the body).
    A replay answers 200 with ``outcome: replayed`` and records nothing."""
    outcome, payment = services.callback_receive(
        provider_name=provider[:16],
        body=request.body,
        signature=request.headers.get("X-Signature", "")[:128],
    )
    return {"outcome": outcome, "payment_id": payment.pk if payment else None}


class BillRunIn(Schema):
    compound_id: Id
    month: Month


class BillRunOut(Schema):
    id: int
    compound_id: int
    month: str
    status: str
    bills: int
    total: str


@router.post("/bill-runs", response={202: BillRunOut}, url_name="fees_bill_run")
def bill_run(request: HttpRequest, payload: BillRunIn) -> tuple[int, dict[str, Any]]:
    """出账: queue the month's bills of a compound (running it twice bills once)."""
    compound = _collector_compound(request.user, payload.compound_id)
    run = services.bill_run_request(
        compound=compound, period=parse_month(payload.month), acting_user=request.user
    )
    return Status(
        202,
        {
            "id": run.pk,
            "compound_id": compound.pk,
            "month": f"{run.period:%Y-%m}",
            "status": run.status,
            "bills": run.bills,
            "total": _money(run.total_fen),
        },
    )


class ArrearsOut(Schema):
    unit_id: int
    unit: str
    buckets: dict[str, str]
    total: str
    oldest: str


@router.get("/compounds/{compound_id}/arrears", response=list[ArrearsOut], url_name="fees_arrears")
def arrears(request: HttpRequest, compound_id: int) -> list[dict[str, Any]]:
    """欠费账龄: open amounts by age (≤1, 1-3, 3-6, 6-12, >12 months)."""
    from django.utils import timezone

    compound = _compound(request.user, compound_id)
    rows = selectors.arrears(
        compounds=Compound.objects.filter(pk=compound.pk), as_of=timezone.localdate()
    )
    return [
        {
            "unit_id": r.unit_id,
            "unit": r.label,
            "buckets": {k: _money(v) for k, v in r.buckets.items()},
            "total": _money(r.total),
            "oldest": f"{r.oldest:%Y-%m}",
        }
        for r in rows
    ]


class GapOut(Schema):
    month: str
    billed: str
    hardship: str
    collected: str
    collection_rate: str | None
    costs: dict[str, str]
    cost_total: str
    gap: str
    rent: str
    subsidy: str
    net: str


def gap_rows(months: list[selectors.GapMonth]) -> list[dict[str, Any]]:
    return [
        {
            "month": f"{m.period:%Y-%m}",
            "billed": _money(m.billed),
            "hardship": _money(m.hardship),
            "collected": _money(m.collected),
            "collection_rate": None
            if m.collection_rate is None
            else f"{m.collection_rate * 100:.1f}",
            "costs": {k: _money(v) for k, v in m.costs.items()},
            "cost_total": _money(m.cost_total),
            "gap": _money(m.gap),
            "rent": _money(m.rent),
            "subsidy": _money(m.subsidy),
            "net": _money(m.net),
        }
        for m in months
    ]


@router.get("/compounds/{compound_id}/gap", response=list[GapOut], url_name="fees_gap")
def gap(
    request: HttpRequest, compound_id: int, year: Annotated[int, Field(ge=2000, le=2100)] = 2026
) -> list[dict[str, Any]]:
    """收支缺口台账: a compound's twelve months of fee income against costs, and how rent
    and subsidy cover the gap, with the collection rate."""
    compound = _compound(request.user, compound_id)
    months = selectors.gap_ledger(
        compound_ids=[compound.pk], start=dt.date(year, 1, 1), end=dt.date(year, 12, 1)
    )
    return gap_rows(months)


class ScheduleIn(Schema):
    compound_id: Id
    charge: Literal["property", "parking", "other"]
    name: Text(32) = ""  # type: ignore[valid-type]
    basis: Literal["floor_area", "exclusive_area", "per_unit", "per_subscription"]
    rate: Annotated[str, Field(min_length=1, max_length=16, description='元，字符串，如 "0.45"')]
    valid_from: dt.date
    valid_to: dt.date | None = None


class ScheduleOut(Schema):
    id: int
    charge: str
    name: str
    basis: str
    rate: str
    valid_from: dt.date
    valid_to: dt.date | None


@router.post("/schedules", response={201: ScheduleOut}, url_name="fees_schedule_create")
def schedule_create(request: HttpRequest, payload: ScheduleIn) -> tuple[int, dict[str, Any]]:
    """收费标准: a rate from a date; no overlap with another of the same charge."""
    from redprop.core.errors import ApplicationError
    from redprop.fees.errors import FeesError

    compound = _collector_compound(request.user, payload.compound_id)
    if not (dt.date(2000, 1, 1) <= payload.valid_from <= dt.date(2100, 12, 31)) or (
        payload.valid_to is not None
        and not (dt.date(2000, 1, 1) <= payload.valid_to <= dt.date(2100, 12, 31))
    ):
        raise ApplicationError(FeesError.INVALID_DATES, _("日期超出范围"), field="valid_from")
    s = services.schedule_create(
        compound=compound,
        charge=payload.charge,
        name=payload.name,
        basis=payload.basis,
        rate=payload.rate,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        acting_user=request.user,
    )
    return Status(
        201,
        {
            "id": s.pk,
            "charge": s.charge,
            "name": s.name,
            "basis": s.basis,
            "rate": str(s.rate),
            "valid_from": s.valid_from,
            "valid_to": s.valid_to,
        },
    )


class DisclosureIn(Schema):
    compound_id: Id
    month: Month


class DisclosureOut(Schema):
    id: int
    compound_id: int
    month: str
    status: str
    figures: dict[str, Any]
    committee_signed_at: dt.datetime | None
    party_signed_at: dt.datetime | None
    published_at: dt.datetime | None
    actions: list[str]


def _disclosure_out(request: HttpRequest, d: Disclosure) -> dict[str, Any]:
    from redprop.fees.workflow import WORKFLOW

    return {
        "id": d.pk,
        "compound_id": d.compound_id,
        "month": f"{d.period:%Y-%m}",
        "status": d.status,
        "figures": d.figures,
        "committee_signed_at": d.committee_signed_at,
        "party_signed_at": d.party_signed_at,
        "published_at": d.published_at,
        "actions": sorted(WORKFLOW.available(request.user, d)),
    }


@router.post("/disclosures", response={201: DisclosureOut}, url_name="fees_disclosure_create")
def disclosure_create(request: HttpRequest, payload: DisclosureIn) -> tuple[int, dict[str, Any]]:
    """编制公示: the company drafts a finished month's disclosure."""
    compound = _collector_compound(request.user, payload.compound_id)
    d = disclosure_services.disclosure_prepare(
        compound=compound, period=parse_month(payload.month), acting_user=request.user
    )
    return Status(201, _disclosure_out(request, d))


def _disclosure(request: HttpRequest, disclosure_id: int) -> Disclosure:
    d = Disclosure.objects.select_related("compound").filter(pk=disclosure_id).first()
    if d is None or not permissions.may_read_disclosure(request.user, d):
        raise NotFound()
    return d


@router.get("/disclosures/{disclosure_id}", response=DisclosureOut, url_name="fees_disclosure")
def disclosure_get(request: HttpRequest, disclosure_id: int) -> dict[str, Any]:
    return _disclosure_out(request, _disclosure(request, disclosure_id))


STEPS = {
    "sign-committee": disclosure_services.disclosure_sign_committee,
    "sign-party": disclosure_services.disclosure_sign_party,
    "publish": disclosure_services.disclosure_publish,
}


def _step_view(step: str) -> Any:
    def view(request: HttpRequest, disclosure_id: int) -> dict[str, Any]:
        d = _disclosure(request, disclosure_id)
        d = STEPS[step](disclosure=d, acting_user=request.user)
        return _disclosure_out(request, d)

    view.__name__ = f"disclosure_{step.replace('-', '_')}"
    view.__doc__ = {
        "sign-committee": "业委会签字 (a member of the compound's owners' committee).",
        "sign-party": "党组织签字 (the community party organisation), after the committee.",
        "publish": "发布公示: the month is closed; later corrections show next month.",
    }[step]
    return view


for _step in STEPS:
    router.post(
        f"/disclosures/{{disclosure_id}}/{_step}",
        response=DisclosureOut,
        url_name=f"fees_disclosure_{_step.replace('-', '_')}",
    )(_step_view(_step))
