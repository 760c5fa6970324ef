"""The fees API: amounts as strings, floats refused, refusals that reveal nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.fees.models import Bill, Payment
from redprop.fees.providers import DemoProvider
from redprop.fees.tests.conftest import run_month

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: object, **headers: str):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_window_payment_and_bad_amounts(fees):
    run_month(fees, 2026, 1)
    c = fees.client(Role.COMPANY_STAFF)
    url = "/api/v1/fees/payments"
    body = {"unit_id": fees.unit.pk, "method": "cash", "amount": "40.28", "reference": "A-1"}
    for amount, field in (
        (40.28, "amount"),
        (40, "amount"),
        ("40.281", "amount"),
        ("0", "amount"),
        ("-1", "amount"),
    ):
        r = _post(c, url, {**body, "amount": amount})
        assert r.status_code == 400, (amount, r.content)
        assert r.json()["field"] == field
    assert not Payment.objects.exists()
    r = _post(c, url, body)
    assert r.status_code == 201, r.content
    assert r.json()["owed_after"] == "0.00"
    r = _post(c, url, body)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_reference"
    # The resident may read the statement but not record a payment; another company: 404.
    assert _post(fees.client(Role.RESIDENT), url, {**body, "reference": "A-2"}).status_code == 403
    st = fees.client(Role.RESIDENT).get(f"/api/v1/fees/units/{fees.unit.pk}/statement")
    assert st.status_code == 200 and st.json()["net_due"] == "0.00"


def test_online_payment_through_the_api(fees):
    run_month(fees, 2026, 1)
    r = _post(fees.client(Role.RESIDENT), "/api/v1/fees/orders", {"unit_id": fees.unit.pk})
    assert r.status_code == 201, r.content
    order = r.json()
    assert order["amount"] == "40.28"
    body = DemoProvider().build_callback(order_no=order["order_no"], amount_fen=4028)
    anon = Client()
    bad = anon.post(
        "/api/v1/fees/callbacks/demo", body, content_type="application/json", HTTP_X_SIGNATURE="00"
    )
    assert bad.status_code == 403 and bad.json()["code"] == "bad_signature"
    sig = DemoProvider.sign(body)
    ok = anon.post(
        "/api/v1/fees/callbacks/demo", body, content_type="application/json", HTTP_X_SIGNATURE=sig
    )
    assert ok.status_code == 200 and ok.json()["outcome"] == "applied"
    again = anon.post(
        "/api/v1/fees/callbacks/demo", body, content_type="application/json", HTTP_X_SIGNATURE=sig
    )
    assert again.json()["outcome"] == "replayed"
    assert Payment.objects.count() == 1


def test_bill_run_api_and_closed_month(fees):
    c = fees.client(Role.COMPANY_STAFF)
    r = _post(c, "/api/v1/fees/bill-runs", {"compound_id": fees.compound.pk, "month": "2026-01"})
    assert r.status_code == 202, r.content
    assert (
        _post(
            c, "/api/v1/fees/bill-runs", {"compound_id": fees.compound.pk, "month": "2026-13"}
        ).status_code
        == 400
    )
    # Another company's staff does not see compound A at all.
    other = fees.client(Role.COMMUNITY_STAFF)
    assert (
        _post(
            other, "/api/v1/fees/bill-runs", {"compound_id": fees.compound.pk, "month": "2026-01"}
        ).status_code
        == 403
    )
    assert Bill.objects.count() in (0, 1)  # the task runs on commit (immediate backend in tests)


def test_disclosure_workflow(fees):
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.services import org_add_member, org_create

    committee = org_create(
        kind=OrgKind.OWNERS_COMMITTEE,
        name="幸福小区业委会",
        compound=fees.compound,
        place=fees.compound,
        acting_user=None,
    )
    org_add_member(org=committee, person=fees.resident, position="主任", acting_user=None)
    run_month(fees, 2026, 1)
    c = fees.client(Role.COMPANY_STAFF)
    r = _post(c, "/api/v1/fees/disclosures", {"compound_id": fees.compound.pk, "month": "2026-01"})
    assert r.status_code == 201, r.content
    d = r.json()
    assert d["figures"]["billed"] == "40.28"
    base = f"/api/v1/fees/disclosures/{d['id']}"
    # Out of order: the party cannot sign before the committee (409); the company
    # may not sign for the committee (403).
    assert _post(fees.client(Role.COMMUNITY_STAFF), f"{base}/sign-party", {}).status_code == 409
    assert _post(c, f"{base}/sign-committee", {}).status_code == 403
    r = _post(fees.client(Role.RESIDENT), f"{base}/sign-committee", {})
    assert r.status_code == 200, r.content
    assert _post(fees.client(Role.COMMUNITY_STAFF), f"{base}/sign-party", {}).status_code == 200
    r = _post(c, f"{base}/publish", {})
    assert r.status_code == 200 and r.json()["status"] == "published"
    # Locked: no bill run for January; a payment dated in January counts in February.
    r = _post(c, "/api/v1/fees/bill-runs", {"compound_id": fees.compound.pk, "month": "2026-01"})
    assert r.status_code == 400 and r.json()["code"] == "period_closed"
    from redprop.fees import services

    p = services.payment_record(
        unit=fees.unit,
        method="cash",
        amount=100,
        reference="late",
        received_on=dt.date(2026, 1, 20),
        acting_user=fees.staff,
    )
    assert p.entry.period == dt.date(2026, 2, 1) and p.entry.original_period == dt.date(2026, 1, 1)
