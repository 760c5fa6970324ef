"""The fees pages answer their users (and the permission matrix covers the refusals)."""

from __future__ import annotations

import pytest

from redprop.accounts.choices import Role
from redprop.fees.tests.conftest import run_month

pytestmark = pytest.mark.django_db


def test_staff_pages_and_exports(fees):
    run_month(fees, 2026, 1)
    c = fees.client(Role.COMPANY_STAFF)
    home = c.get("/fees/")
    assert home.status_code == 200 and "幸福小区" in home.content.decode()
    books = c.get(f"/fees/compound/{fees.compound.pk}/")
    assert books.status_code == 200 and "40.28" in books.content.decode()
    for kind in ("bills", "payments", "arrears", "gap"):
        r = c.get(f"/fees/compound/{fees.compound.pk}/export/{kind}/")
        assert r.status_code == 200 and r.content[:2] == b"PK"
    r = c.post(
        "/fees/window/",
        {"unit": fees.unit.pk, "method": "cash", "amount": "40.281", "reference": "W1"},
    )
    assert r.status_code == 200 and "两位小数" in r.content.decode()
    r = c.post(
        "/fees/window/",
        {"unit": fees.unit.pk, "method": "cash", "amount": "40.28", "reference": "W1"},
    )
    assert r.status_code == 302
    pdf = c.get(r["Location"] + "pdf/")
    assert pdf.status_code == 200 and pdf.content[:4] == b"%PDF"
    # The community desk reads the books but does not take money.
    assert (
        fees.client(Role.COMMUNITY_STAFF).get(f"/fees/compound/{fees.compound.pk}/").status_code
        == 200
    )
    assert fees.client(Role.COMMUNITY_STAFF).get("/fees/window/").status_code == 403
