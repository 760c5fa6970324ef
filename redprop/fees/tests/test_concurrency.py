"""Two payments with the same reference at the same moment: exactly one is recorded
(PostgreSQL, real threads). The unit row lock serialises them; the unique constraint
(method, reference) is the last word."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from redprop.conftest import build_world
from redprop.core.errors import ApplicationError
from redprop.fees import services
from redprop.fees.checks import check_books
from redprop.fees.models import Payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks"),
]


def test_same_reference_twice_at_once_records_one():
    from redprop.accounts.choices import Role

    w = build_world()
    staff = w.users[Role.COMPANY_STAFF]
    services.schedule_create(
        compound=w.compound,
        charge="property",
        name="物业服务费",
        basis="floor_area",
        rate="0.45",
        valid_from=dt.date(2026, 1, 1),
        acting_user=staff,
    )
    run = services.bill_run_request(
        compound=w.compound, period=dt.date(2026, 1, 1), acting_user=staff
    )
    services.bill_run_execute(run_id=run.pk)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def pay() -> None:
        try:
            barrier.wait()
            services.payment_record(
                unit=w.unit, method="bank", amount=4028, reference="SAME-REF", acting_user=staff
            )
            outcomes.append("ok")
        except ApplicationError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["duplicate_reference", "ok"]
    assert Payment.objects.filter(reference="SAME-REF").count() == 1
    assert check_books() == []


def test_two_bill_runs_at_once_bill_once():
    from redprop.accounts.choices import Role
    from redprop.fees.models import Bill

    w = build_world()
    staff = w.users[Role.COMPANY_STAFF]
    services.schedule_create(
        compound=w.compound,
        charge="property",
        name="物业服务费",
        basis="floor_area",
        rate="0.45",
        valid_from=dt.date(2026, 1, 1),
        acting_user=staff,
    )
    run = services.bill_run_request(
        compound=w.compound, period=dt.date(2026, 2, 1), acting_user=staff
    )
    barrier = threading.Barrier(2)

    def execute() -> None:
        try:
            barrier.wait()
            services.bill_run_execute(run_id=run.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=execute) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Bill.objects.filter(period=dt.date(2026, 2, 1)).count() == 1
    assert check_books() == []
