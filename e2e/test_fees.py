"""Paying the property fee on a phone: a resident opens 我的账单, pays through the demo
provider (its signed callback is verified by the platform) and sees the receipt.
Screenshots go to e2e/artifacts/fees-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import PHONE
from e2e.test_journey import Journey
from redprop.conftest import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_resident_pays_online_and_sees_the_receipt(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    from redprop.accounts.choices import Role
    from redprop.fees import services
    from redprop.fees.checks import check_books
    from redprop.fees.models import Payment, ProviderCallback

    world = build_world()
    staff = world.users[Role.COMPANY_STAFF]
    services.schedule_create(
        compound=world.compound,
        charge="property",
        name="物业服务费",
        basis="floor_area",
        rate="0.45",
        valid_from=dt.date(2026, 1, 1),
        acting_user=staff,
    )
    for month in (10, 11):
        run = services.bill_run_request(
            compound=world.compound, period=dt.date(2026, month, 1), acting_user=staff
        )
        services.bill_run_execute(run_id=run.pk)

    journey = Journey(browser, live_server.url, artifacts)
    phone = journey.open(PHONE, mobile=True)
    journey.login(phone, world.users["resident"].username)
    phone.goto(f"{live_server.url}/fees/my/")
    phone.wait_for_load_state("networkidle")
    # 89.5 m² × 0.45 = 40.275 → 40.28 a month, two months.
    assert phone.get_by_test_id("due").first.inner_text() == "¥80.56"
    journey.shoot(phone, "fees-1-my-bills")

    phone.get_by_role("button", name="在线缴费").first.click()
    phone.wait_for_load_state("networkidle")
    assert "/fees/pay/demo/" in phone.url
    assert "¥80.56" in phone.content()
    journey.shoot(phone, "fees-2-cashier")

    phone.get_by_role("button", name="确认支付").click()
    phone.wait_for_load_state("networkidle")
    assert "/fees/receipt/" in phone.url
    payment = Payment.objects.get()
    assert phone.get_by_test_id("receipt-no").inner_text() == payment.receipt_no
    assert payment.amount_fen == 8056
    assert payment.method == "online"
    assert ProviderCallback.objects.count() == 1
    journey.shoot(phone, "fees-3-receipt")

    # The receipt as PDF, and the bills page now shows nothing due.
    pdf = phone.request.get(f"{live_server.url}/fees/receipt/{payment.pk}/pdf/")
    assert pdf.ok
    assert pdf.body()[:4] == b"%PDF"
    phone.goto(f"{live_server.url}/fees/my/")
    assert phone.get_by_test_id("due").first.inner_text() == "¥0.00"
    assert check_books() == []
    assert journey.foreign == []
