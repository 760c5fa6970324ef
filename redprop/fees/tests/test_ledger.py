"""The ledger: balanced entries, append-only rows, bill runs, payments, refunds."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import pytest
from django.db import connection

from redprop.accounts.choices import Role
from redprop.core.chain import AppendOnlyError
from redprop.core.errors import ApplicationError
from redprop.fees import selectors, services
from redprop.fees.checks import check_books
from redprop.fees.choices import Account, Method
from redprop.fees.ledger import Line, post
from redprop.fees.models import Bill, BillRun, JournalEntry, JournalLine, Payment
from redprop.fees.providers import DemoProvider
from redprop.fees.tests.conftest import run_month

pytestmark = pytest.mark.django_db


def test_unbalanced_entry_is_refused(fees):
    with pytest.raises(ApplicationError) as exc:
        post(
            kind="adjustment",
            lines=[Line(Account.CASH, 100), Line(Account.FEE_INCOME, -99)],
            compound=fees.compound,
            occurred_on=dt.date(2026, 1, 5),
        )
    assert exc.value.code == "unbalanced"
    assert not JournalEntry.objects.exists()


def test_ledger_rows_are_append_only(fees):
    run_month(fees, 2026, 1)
    entry = JournalEntry.objects.first()
    line = JournalLine.objects.first()
    with pytest.raises(AppendOnlyError):
        JournalLine.objects.filter(pk=line.pk).update(amount_fen=1)
    with pytest.raises(AppendOnlyError):
        JournalLine.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        line.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        Bill.objects.update(amount_fen=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers are PostgreSQL's")
def test_triggers_refuse_raw_sql(fees):
    from django.db import DatabaseError, transaction

    run_month(fees, 2026, 1)
    for table in ("fees_journalline", "fees_journalentry", "fees_bill"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"UPDATE {table} SET id = id")  # noqa: S608
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table}")  # noqa: S608


def test_bill_run_is_idempotent(fees):
    first = run_month(fees, 2026, 1)
    again = services.bill_run_request(
        compound=fees.compound, period=dt.date(2026, 1, 1), acting_user=fees.staff
    )
    services.bill_run_execute(run_id=again.pk)
    assert again.pk == first.pk
    assert BillRun.objects.count() == 1
    # unit A: 89.5 m² × 0.45 = 40.275 → 40.28
    assert list(Bill.objects.values_list("amount_fen", flat=True)) == [4028]
    assert check_books() == []


def test_schedule_overlap_is_refused_and_a_change_applies_from_its_date(fees):
    with pytest.raises(ApplicationError) as exc:
        services.schedule_create(
            compound=fees.compound,
            charge="property",
            name="物业服务费",
            basis="floor_area",
            rate="0.50",
            valid_from=dt.date(2025, 12, 1),
            valid_to=dt.date(2026, 2, 1),
            acting_user=fees.staff,
        )
    assert exc.value.code == "schedule_overlap"
    # A new rate from 16 March: the open schedule ends on the 15th, March is prorated.
    services.schedule_create(
        compound=fees.compound,
        charge="property",
        name="物业服务费",
        basis="floor_area",
        rate="0.60",
        valid_from=dt.date(2026, 3, 16),
        acting_user=fees.staff,
    )
    run_month(fees, 2026, 3)
    bill = Bill.objects.get()
    lines = sorted(bill.lines.values_list("days", "amount_fen"))
    # 15/31 × 40.275 = 19.4879 → 19.49; 16/31 × 53.70 = 27.7161 → 27.72
    assert lines == [(15, 1949), (16, 2772)]
    assert bill.amount_fen == 1949 + 2772


def test_closed_period_refuses_a_bill_run(fees):
    from redprop.fees.models import PeriodClose

    PeriodClose.objects.create(compound=fees.compound, period=dt.date(2026, 2, 1))
    with pytest.raises(ApplicationError) as exc:
        run_month(fees, 2026, 2)
    assert exc.value.code == "period_closed"


def test_payment_oldest_first_overpayment_credit_and_duplicate_reference(fees):
    for m in (1, 2, 3):
        run_month(fees, 2026, m)
    unit = fees.unit
    pay = services.payment_record(
        unit=unit, method=Method.CASH, amount=5000, reference="NO.0001", acting_user=fees.staff
    )
    jan, feb, mar = Bill.objects.order_by("period")
    status = selectors.bill_status([jan, feb, mar])
    assert status[jan.pk]["outstanding"] == 0
    assert status[feb.pk]["outstanding"] == 4028 - (5000 - 4028)
    assert status[mar.pk]["outstanding"] == 4028
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(
            unit=unit, method=Method.CASH, amount=5000, reference="NO.0001", acting_user=fees.staff
        )
    assert exc.value.code == "duplicate_reference"
    assert Payment.objects.count() == 1
    # Over-payment: everything paid, the rest stays as credit.
    services.payment_record(
        unit=unit, method=Method.BANK, amount=10000, reference="B-77", acting_user=fees.staff
    )
    bal = selectors.unit_balances([unit.pk])[unit.pk]
    assert bal == {"receivable": 0, "credit": 5000 + 10000 - 3 * 4028}
    # The next bill run pays April from the credit.
    run_month(fees, 2026, 4)
    bal = selectors.unit_balances([unit.pk])[unit.pk]
    assert bal == {"receivable": 4 * 4028 - 15000, "credit": 0}
    assert pay.receipt_no.startswith("SF")
    assert check_books() == []


def test_payer_chooses_bills_and_foreign_bill_is_refused(fees):
    for m in (1, 2):
        run_month(fees, 2026, m)
    jan, feb = Bill.objects.order_by("period")
    services.payment_record(
        unit=fees.unit,
        method=Method.CASH,
        amount=4028,
        reference="R2",
        bill_ids=[feb.pk],
        acting_user=fees.staff,
    )
    st = selectors.bill_status([jan, feb])
    assert st[feb.pk]["outstanding"] == 0 and st[jan.pk]["outstanding"] == 4028
    with pytest.raises(ApplicationError) as exc:
        services.payment_record(
            unit=fees.unit_b,
            method=Method.CASH,
            amount=100,
            reference="R3",
            bill_ids=[jan.pk],
            acting_user=fees.users[Role.SYSADMIN],
        )
    assert exc.value.code == "bill_of_other_compound"


def test_refund_and_adjustment_are_their_own_entries(fees):
    run_month(fees, 2026, 1)
    pay = services.payment_record(
        unit=fees.unit, method=Method.BANK, amount=6000, reference="B1", acting_user=fees.staff
    )
    services.payment_refund(payment=pay, amount=2500, reason="多缴退还", acting_user=fees.staff)
    bal = selectors.unit_balances([fees.unit.pk])[fees.unit.pk]
    # 1972 of credit refunded, then 528 taken back from January's bill.
    assert bal == {"receivable": 528, "credit": 0}
    with pytest.raises(ApplicationError) as exc:
        services.payment_refund(payment=pay, amount=3501, reason="再退", acting_user=fees.staff)
    assert exc.value.code == "refund_too_large"
    services.adjustment_post(
        bill=Bill.objects.get(), amount=-528, reason="面积更正", acting_user=fees.staff
    )
    assert selectors.unit_balances([fees.unit.pk])[fees.unit.pk]["receivable"] == 0
    assert check_books() == []


def _signed(body: bytes) -> str:
    return DemoProvider.sign(body)


def test_online_payment_signed_callback_and_replay(fees):
    run_month(fees, 2026, 1)
    resident = fees.users[Role.RESIDENT]
    order = services.order_create(unit=fees.unit, acting_user=resident)
    assert order.amount_fen == 4028
    body = DemoProvider().build_callback(order_no=order.order_no, amount_fen=order.amount_fen)
    bad = hmac.new(b"wrong", body, hashlib.sha256).hexdigest()
    with pytest.raises(ApplicationError) as exc:
        services.callback_receive(provider_name="demo", body=body, signature=bad)
    assert exc.value.code == "bad_signature"
    assert not Payment.objects.exists()
    outcome, payment = services.callback_receive(
        provider_name="demo", body=body, signature=_signed(body)
    )
    assert outcome == "applied" and payment.amount_fen == 4028
    again, same = services.callback_receive(
        provider_name="demo", body=body, signature=_signed(body)
    )
    assert again == "replayed" and same.pk == payment.pk
    # Another event for the same (paid) order is a replay too.
    body2 = DemoProvider().build_callback(order_no=order.order_no, amount_fen=4028)
    assert (
        services.callback_receive(provider_name="demo", body=body2, signature=_signed(body2))[0]
        == "replayed"
    )
    assert Payment.objects.count() == 1
    unknown = json.dumps(
        {
            "event_id": "e",
            "order_no": "NOPE",
            "transaction_id": "t",
            "amount": "1.00",
            "status": "paid",
        }
    ).encode()
    with pytest.raises(ApplicationError) as exc:
        services.callback_receive(provider_name="demo", body=unknown, signature=_signed(unknown))
    assert exc.value.code == "unknown_order"
    assert check_books() == []


def test_hardship_reduction_is_a_subsidy_line(fees):
    from redprop.people.services import person_update_contact

    person_update_contact(
        person=fees.resident, tags=["low_income"], acting_user=fees.users[Role.SYSADMIN]
    )
    with pytest.raises(ApplicationError):
        services.hardship_grant(
            unit=fees.unit,
            policy=fees.policy,
            valid_from=dt.date(2026, 1, 1),
            acting_user=fees.staff,
        )
    services.hardship_grant(
        unit=fees.unit,
        policy=fees.policy,
        valid_from=dt.date(2026, 1, 1),
        acting_user=fees.users[Role.COMMUNITY_STAFF],
    )
    run_month(fees, 2026, 1)
    bill = Bill.objects.get()
    assert bill.amount_fen == 4028  # the price is not lowered
    assert bill.reductions.get().amount_fen == 2014
    assert selectors.unit_balances([fees.unit.pk])[fees.unit.pk]["receivable"] == 2014
    hardship = JournalLine.objects.get(account=Account.HARDSHIP_SUBSIDY)
    assert hardship.amount_fen == 2014
    st = selectors.unit_statement(unit=fees.unit, show_hardship=False)
    assert [r.label for r in st.rows if r.kind == "reduction"] == [""]
    assert check_books() == []
