"""The fees pages: the resident's bills, online payment and receipts on the phone; the
company's window, bill run, arrears and gap ledger; the monthly disclosure.

Every page checks the relationship in ``permissions.py``; an object the user may not
read is a 404 (its existence is not revealed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.accounts.choices import Role
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.inputs import parse_id
from redprop.core.models import AuditEvent
from redprop.fees import disclosure as disclosure_services
from redprop.fees import pdf, permissions, selectors, services
from redprop.fees.choices import COST_ACCOUNTS, Account, DisclosureStatus, Method
from redprop.fees.ledger import month_start, parse_month
from redprop.fees.models import Allocation, BillRun, Disclosure, Payment
from redprop.fees.money import fmt
from redprop.fees.providers import DemoProvider, get_provider
from redprop.fees.workflow import WORKFLOW
from redprop.territory.models import Compound, Unit
from redprop.web.access import role_required

STAFF = (
    Role.COMPANY_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)


def _yuan_rows(months: list[selectors.GapMonth]) -> list[dict[str, Any]]:
    return [
        {
            "m": m,
            "billed": fmt(m.billed),
            "hardship": fmt(m.hardship),
            "collected": fmt(m.collected),
            "costs": fmt(m.cost_total),
            "gap": fmt(m.gap),
            "rent": fmt(m.rent),
            "subsidy": fmt(m.subsidy),
            "net": fmt(m.net),
            "rate": None if m.collection_rate is None else f"{m.collection_rate * 100:.1f}%",
        }
        for m in months
    ]


# --- resident --------------------------------------------------------------------------------


@require_GET
@role_required(Role.RESIDENT)
def my_bills(request: HttpRequest) -> HttpResponse:
    """我的账单: each unit's open bills, balance, a pay button, receipts, disclosures."""
    user: Any = request.user
    units = list(selectors.household_units(user))
    balances = selectors.unit_balances([u.pk for u in units])
    cards = []
    for unit in units:
        open_bills = selectors.open_bills_of(unit)
        cards.append(
            {
                "unit": unit,
                "open": [(b, fmt(o)) for b, o in open_bills],
                "due": fmt(sum(o for _b, o in open_bills)),
                "has_due": bool(open_bills),
                "credit": fmt(balances[unit.pk]["credit"]),
                "payments": Payment.objects.filter(unit=unit).order_by("-pk")[:6],
            }
        )
    disclosures = Disclosure.objects.filter(
        compound_id__in={u.compound_id for u in units}, status=DisclosureStatus.PUBLISHED
    ).select_related("compound")[:6]
    return render(request, "fees/my_bills.html", {"cards": cards, "disclosures": disclosures})


@require_POST
@role_required(Role.RESIDENT)
def pay(request: HttpRequest) -> HttpResponse:
    """Start an online payment of a unit's open bills: off to the provider's cashier."""
    unit = Unit.objects.filter(pk=parse_id(request.POST.get("unit")) or 0).first()
    if unit is None or not permissions.is_household(request.user, unit):
        raise Http404
    try:
        order = services.order_create(unit=unit, acting_user=request.user)
    except ApplicationError as err:
        from django.contrib import messages

        messages.error(request, err.message)
        return redirect("fees:my_bills")
    provider = get_provider(order.provider)
    return redirect(provider.cashier_url(order) if provider else "fees:my_bills")


@require_http_methods(["GET", "POST"])
@role_required(Role.RESIDENT)
def demo_cashier(request: HttpRequest, order_no: str) -> HttpResponse:
    """演示支付's cashier page. Confirming makes the provider post its signed callback
    (here in-process, through the same handler as the API's callback URL)."""
    try:
        order = services.order_for(order_no=order_no[:32], user=request.user)
    except ApplicationError as err:
        raise Http404 from err
    if request.method == "POST" and order.status == "pending":
        demo = DemoProvider()
        body = demo.build_callback(order_no=order.order_no, amount_fen=order.amount_fen)
        try:
            _outcome, payment = services.callback_receive(
                provider_name=demo.name, body=body, signature=demo.sign(body)
            )
        except ApplicationError as err:
            from django.contrib import messages

            messages.error(request, err.message)
            return redirect("fees:my_bills")
        if payment is not None:
            return redirect("fees:receipt", pk=payment.pk)
        return redirect("fees:my_bills")
    if order.status == "paid" and order.payment_id:
        return redirect("fees:receipt", pk=order.payment_id)
    return render(
        request,
        "fees/demo_cashier.html",
        {"order": order, "amount": fmt(order.amount_fen), "provider": DemoProvider.label},
    )


def _payment_for(user: Any, pk: int) -> Payment:
    payment = Payment.objects.select_related("unit", "compound__company").filter(pk=pk).first()
    if payment is None or not (
        permissions.is_household(user, payment.unit)
        or permissions.may_read_books(user, payment.compound)
    ):
        raise Http404
    return payment


def _receipt_context(payment: Payment) -> dict[str, Any]:
    allocations = [
        (f"{a.bill.period:%Y-%m}", a.amount_fen)
        for a in Allocation.objects.filter(payment=payment, amount_fen__gt=0)
        .select_related("bill")
        .order_by("bill__period")
    ]
    bal = selectors.unit_balances([payment.unit_id])[payment.unit_id]
    return {
        "payment": payment,
        "allocations": [(m, fmt(f)) for m, f in allocations],
        "raw_allocations": allocations,
        "amount": fmt(payment.amount_fen),
        "owed": fmt(bal["receivable"]),
        "credit": fmt(bal["credit"]),
        "bal": bal,
    }


@require_GET
@role_required()
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_for(request.user, pk)
    return render(request, "fees/receipt.html", _receipt_context(payment))


@require_GET
@role_required()
def receipt_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    payment = _payment_for(request.user, pk)
    ctx = _receipt_context(payment)
    data = pdf.receipt_pdf(
        payment=payment,
        allocations=ctx["raw_allocations"],
        owed_after=ctx["bal"]["receivable"],
        credit_after=ctx["bal"]["credit"],
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.receipt_no}.pdf"'
    return response


# --- staff -----------------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def home(request: HttpRequest) -> HttpResponse:
    """物业费: the compounds whose books the user keeps or supervises, with this month's
    collection and arrears."""
    user: Any = request.user
    compounds = [
        c
        for c in selectors.compounds_in(user.scope_set()).select_related(
            "company", "community", "street"
        )[:200]
        if permissions.may_read_books(user, c)
    ]
    today = timezone.localdate()
    period = month_start(today)
    start = dt.date(period.year, 1, 1)
    shown = compounds[:50]
    owed: dict[int, int] = {}
    for row in selectors.arrears(
        compounds=Compound.objects.filter(pk__in=[c.pk for c in shown]), as_of=today
    ):
        owed[row.compound_id] = owed.get(row.compound_id, 0) + row.total
    rows = []
    groups: dict[tuple[str, str], list[int]] = {}
    for c in shown:
        months = selectors.gap_ledger(compound_ids=[c.pk], start=start, end=period)
        due = sum(m.billed - m.hardship for m in months)
        collected = sum(m.collected for m in months)
        rows.append(
            {
                "c": c,
                "billed": fmt(sum(m.billed for m in months)),
                "rate": f"{collected / due * 100:.1f}%" if due > 0 else "—",
                "arrears": fmt(owed.get(c.pk, 0)),
            }
        )
        for key in (("street", c.street.name), ("community", c.community.name)):
            g = groups.setdefault(key, [0, 0, 0])
            g[0] += due
            g[1] += collected
            g[2] += owed.get(c.pk, 0)
    summary = [
        {
            "level": level,
            "name": name,
            "rate": f"{g[1] / g[0] * 100:.1f}%" if g[0] > 0 else "—",
            "arrears": fmt(g[2]),
        }
        for (level, name), g in sorted(groups.items())
    ]
    return render(
        request, "fees/home.html", {"rows": rows, "summary": summary, "year": period.year}
    )


def _compound_for(user: Any, pk: int) -> Compound:
    compound = Compound.objects.select_related("company", "community").filter(pk=pk).first()
    if compound is None or not permissions.may_read_books(user, compound):
        raise Http404
    return compound


@require_GET
@role_required(*STAFF)
def compound_books(request: HttpRequest, pk: int) -> HttpResponse:
    """A compound's books: bill runs, arrears by age, the gap ledger, disclosures."""
    user: Any = request.user
    compound = _compound_for(user, pk)
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    months = selectors.gap_ledger(
        compound_ids=[compound.pk], start=dt.date(year, 1, 1), end=dt.date(year, 12, 1)
    )
    arrears = selectors.arrears(compounds=Compound.objects.filter(pk=compound.pk), as_of=today)
    totals = dict.fromkeys(selectors.BUCKETS, 0)
    for row in arrears:
        for k, v in row.buckets.items():
            totals[k] += v
    return render(
        request,
        "fees/compound.html",
        {
            "compound": compound,
            "year": year,
            "months": _yuan_rows(months),
            "cost_labels": [Account(a).label for a in COST_ACCOUNTS],
            "arrears": [
                {
                    "row": r,
                    "total": fmt(r.total),
                    "buckets": [fmt(r.buckets[b]) for b in selectors.BUCKETS],
                }
                for r in arrears[:100]
            ],
            "arrears_count": len(arrears),
            "bucket_names": selectors.BUCKETS,
            "bucket_totals": [fmt(totals[b]) for b in selectors.BUCKETS],
            "runs": BillRun.objects.filter(compound=compound).order_by("-period")[:12],
            "disclosures": selectors.disclosures_for(compound=compound)[:12],
            "collector": permissions.is_collector(user, compound),
            "this_month": f"{month_start(today):%Y-%m}",
            "last_month": f"{month_start(month_start(today) - dt.timedelta(days=1)):%Y-%m}",
        },
    )


@require_POST
@role_required(*STAFF)
def bill_run(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib import messages

    compound = _compound_for(request.user, pk)
    try:
        run = services.bill_run_request(
            compound=compound,
            period=parse_month(request.POST.get("month", "")),
            acting_user=request.user,
        )
        messages.success(request, _("%(month)s 出账已提交") % {"month": f"{run.period:%Y-%m}"})
    except ApplicationError as err:
        if err.status == 403:
            raise Http404 from err
        messages.error(request, err.message)
    return redirect("fees:compound", pk=compound.pk)


@require_http_methods(["GET", "POST"])
@role_required(Role.COMPANY_STAFF, Role.SYSADMIN)
def window(request: HttpRequest) -> HttpResponse:
    """收费窗口: find a unit, see its statement, take cash or a bank transfer."""
    user: Any = request.user
    unit = None
    error = None
    unit_id = parse_id(request.POST.get("unit") or request.GET.get("unit"))
    if unit_id:
        unit = Unit.objects.select_related("compound").filter(pk=unit_id).first()
        if unit is not None and not permissions.is_collector(user, unit.compound):
            unit = None
    if request.method == "POST":
        if unit is None:
            raise Http404
        try:
            payment = services.payment_record(
                unit=unit,
                method=request.POST.get("method", ""),
                amount=services.amount_fen(request.POST.get("amount", "")),
                reference=request.POST.get("reference", ""),
                payer_name=request.POST.get("payer_name", "")[:32],
                acting_user=user,
            )
            return redirect("fees:receipt", pk=payment.pk)
        except ApplicationError as err:
            error = err
    statement = None
    if unit is not None:
        statement = selectors.unit_statement(
            unit=unit, show_hardship=permissions.may_see_hardship(user, unit)
        )
    q = (request.GET.get("q") or "").strip()[:32]
    found = []
    if q:
        found = (
            [
                u
                for u in Unit.objects.filter(label__contains=q)
                .filter(
                    compound__company_id__in=[r.org_id for r in user.active_roles if r.org_id]
                    or [0]
                )
                .select_related("compound")[:20]
            ]
            if not permissions.is_sysadmin(user)
            else list(Unit.objects.filter(label__contains=q).select_related("compound")[:20])
        )
    return render(
        request,
        "fees/window.html",
        {
            "unit": unit,
            "statement": statement,
            "rows": [
                {"r": r, "debit": fmt(r.debit), "credit": fmt(r.credit), "balance": fmt(r.balance)}
                for r in (statement.rows[-12:] if statement else [])
            ],
            "due": fmt(statement.net_due) if statement else "",
            "q": q,
            "found": found,
            "methods": [(Method.CASH, Method.CASH.label), (Method.BANK, Method.BANK.label)],
            "error": error,
            "form": request.POST if error else {},
        },
    )


# --- disclosure ------------------------------------------------------------------------------


def _disclosure_for(user: Any, pk: int) -> Disclosure:
    d = Disclosure.objects.select_related("compound__company").filter(pk=pk).first()
    if d is None or not permissions.may_read_disclosure(user, d):
        raise Http404
    return d


def disclosure_rows(d: Disclosure) -> list[tuple[str, str]]:
    f = d.figures
    rows = [
        (_("应收物业费"), f.get("billed", "")),
        (_("其中：困难户减免（补贴承担）"), f.get("hardship", "")),
        (_("已收（当月账单）"), f.get("collected", "")),
        (_("收缴率"), f"{f['collection_rate']}%" if f.get("collection_rate") else "—"),
    ]
    for acc in COST_ACCOUNTS:
        rows.append((str(Account(acc).label), f.get("costs", {}).get(acc, "0.00")))
    rows += [
        (_("费用合计"), f.get("cost_total", "")),
        (_("物业费缺口（费用－物业费）"), f.get("gap", "")),
        (_("门面、车位租金收入"), f.get("rent", "")),
        (_("政府补贴收入"), f.get("subsidy", "")),
        (_("当月结余"), f.get("net", "")),
    ]
    for c in f.get("corrections", []):
        rows.append((_("更正（%(of)s）：%(memo)s") % {"of": c["of"], "memo": c["memo"]}, ""))
    return rows


@require_GET
@role_required()
def disclosure_page(request: HttpRequest, pk: int) -> HttpResponse:
    """公示: the month's figures, who signed and when, and the next step's button."""
    d = _disclosure_for(request.user, pk)
    actions = WORKFLOW.available(request.user, d)
    return render(
        request,
        "fees/disclosure.html",
        {
            "d": d,
            "rows": disclosure_rows(d),
            "actions": [(name, WORKFLOW[name].verb) for name in actions],
            "schedules": d.figures.get("schedules", []),
        },
    )


@require_GET
@role_required()
def disclosure_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    d = _disclosure_for(request.user, pk)
    data = pdf.disclosure_pdf(disclosure=d, rows=disclosure_rows(d))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="disclosure-{d.period:%Y-%m}.pdf"'
    return response


STEP_SERVICES = {
    "sign_committee": disclosure_services.disclosure_sign_committee,
    "sign_party": disclosure_services.disclosure_sign_party,
    "publish": disclosure_services.disclosure_publish,
}


@require_POST
@role_required()
def disclosure_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    from django.contrib import messages

    d = _disclosure_for(request.user, pk)
    if action not in STEP_SERVICES:
        raise Http404
    try:
        STEP_SERVICES[action](disclosure=d, acting_user=request.user)
    except ApplicationError as err:
        if err.status == 403:
            return render(request, "403.html", {"message": err.message}, status=403)
        messages.error(request, err.message)
    return redirect("fees:disclosure", pk=d.pk)


@require_POST
@role_required(*STAFF)
def disclosure_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    from django.contrib import messages

    compound = _compound_for(request.user, pk)
    try:
        d = disclosure_services.disclosure_prepare(
            compound=compound,
            period=parse_month(request.POST.get("month", "")),
            acting_user=request.user,
        )
        return redirect("fees:disclosure", pk=d.pk)
    except ApplicationError as err:
        if err.status == 403:
            return render(request, "403.html", {"message": err.message}, status=403)
        messages.error(request, err.message)
    return redirect("fees:compound", pk=compound.pk)


# --- exports ---------------------------------------------------------------------------------


@require_GET
@role_required(*STAFF)
def export(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """xlsx of a compound's bills, payments, arrears or gap ledger (audited)."""
    from redprop.fees import xlsx

    compound = _compound_for(request.user, pk)
    if kind not in xlsx.KINDS:
        raise Http404
    today = timezone.localdate()
    data = xlsx.build(kind=kind, compound=compound, year=today.year, as_of=today)
    audit(
        actor=request.user,
        event=AuditEvent.FEE_EXPORTED,
        target=compound,
        after={},
        kind=kind,
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="fees-{kind}-{compound.pk}.xlsx"'
    return response
