"""A year of a demo compound's bills and payments balances to the fen, and any
sequence of bills, payments, refunds and corrections keeps the books right."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from redprop.accounts.choices import Role
from redprop.fees import selectors, services
from redprop.fees.checks import check_books
from redprop.fees.choices import Account, Method
from redprop.fees.models import Bill, JournalLine, Payment
from redprop.fees.providers import DemoProvider
from redprop.people.services import person_update_contact
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db


def expected_fen(area: str, rate: str, days: int, dim: int) -> int:
    """The rule, written out independently of billing.py."""
    exact = Decimal(area) * Decimal(rate) * days / dim
    return int((exact * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_a_year_balances_to_the_fen(fees):
    staff, sysadmin = fees.staff, fees.users[Role.SYSADMIN]
    # Three more units: odd areas so rounding matters.
    units = [fees.unit]
    for i, (area, excl) in enumerate((("63.37", "55.10"), ("101.05", "90.00"), ("47.83", "40.00"))):
        units.append(
            territory.unit_create(
                building=fees.building,
                label=f"1栋2单元{i + 1}01",
                floor_area=area,
                exclusive_area=excl,
                owners=[fees.resident_b],
                acting_user=sysadmin,
            )
        )
    areas = ["89.50", "63.37", "101.05", "47.83"]
    # The fixture's schedule starts 2026-01-01; 2025 gets its own, from 16 January
    # (January prorated 16/31), and parking at 60 元/month for unit 2 from 10 June.
    services.schedule_create(
        compound=fees.compound,
        charge="property",
        name="物业服务费",
        basis="floor_area",
        rate="0.45",
        valid_from=dt.date(2025, 1, 16),
        valid_to=dt.date(2025, 12, 31),
        acting_user=staff,
    )
    services.schedule_create(
        compound=fees.compound,
        charge="parking",
        name="地面车位",
        basis="per_subscription",
        rate="60",
        valid_from=dt.date(2025, 1, 1),
        acting_user=staff,
    )
    services.subscription_add(
        unit=units[1],
        charge="parking",
        name="地面车位",
        started_on=dt.date(2025, 6, 10),
        acting_user=staff,
    )
    # Unit A's household is 低保: half of the property fee from 1 April, as a subsidy.
    person_update_contact(person=fees.resident, tags=["low_income"], acting_user=sysadmin)
    services.hardship_grant(
        unit=fees.unit,
        policy=fees.policy,
        valid_from=dt.date(2025, 4, 1),
        acting_user=fees.users[Role.COMMUNITY_STAFF],
    )
    expected_bills = {u.pk: 0 for u in units}
    expected_reductions = 0
    for month in range(1, 13):
        period = dt.date(2025, month, 1)
        run = services.bill_run_request(compound=fees.compound, period=period, acting_user=staff)
        services.bill_run_execute(run_id=run.pk)
        dim = calendar.monthrange(2025, month)[1]
        days = dim - 15 if month == 1 else dim
        for unit, area in zip(units, areas, strict=True):
            fen = expected_fen(area, "0.45", days, dim)
            if unit == units[1] and month >= 6:
                park_days = dim - 9 if month == 6 else dim
                fen += expected_fen("1", "60", park_days, dim)
            expected_bills[unit.pk] += fen
            if unit == fees.unit and month >= 4:
                expected_reductions += int(
                    (Decimal(expected_fen(area, "0.45", days, dim)) / 2).quantize(
                        Decimal(1), rounding=ROUND_HALF_UP
                    )
                )
        # Payments: unit 1 pays each bill at the window; unit 2 pays 30 元 a month
        # (partial); unit 3 pays 600 元 once (over-payment, credit); unit A online.
        bills = {b.unit_id: b for b in Bill.objects.filter(period=period)}
        b1 = bills[units[1].pk]
        services.payment_record(
            unit=units[1],
            method=Method.CASH,
            amount=b1.amount_fen,
            reference=f"C{month}",
            acting_user=staff,
        )
        services.payment_record(
            unit=units[2], method=Method.BANK, amount=3000, reference=f"B{month}", acting_user=staff
        )
        if month == 2:
            services.payment_record(
                unit=units[3], method=Method.BANK, amount=60000, reference="BIG", acting_user=staff
            )
        order = services.order_create(unit=fees.unit, acting_user=fees.users[Role.RESIDENT])
        body = DemoProvider().build_callback(order_no=order.order_no, amount_fen=order.amount_fen)
        assert (
            services.callback_receive(
                provider_name="demo", body=body, signature=DemoProvider.sign(body)
            )[0]
            == "applied"
        )
        if month == 7:  # the provider retries: recognised, not applied twice
            again = services.callback_receive(
                provider_name="demo", body=body, signature=DemoProvider.sign(body)
            )
            assert again[0] == "replayed"
    # A refund of part of the big payment, and a correction of unit 2.
    big = Payment.objects.get(reference="BIG")
    services.payment_refund(payment=big, amount=10000, reason="多缴部分退还", acting_user=staff)
    services.adjustment_post(
        bill=Bill.objects.filter(unit=units[2]).latest("period"),
        amount=-1234,
        reason="面积核减更正",
        acting_user=staff,
    )

    assert check_books() == []
    billed = dict(
        Bill.objects.filter(period__year=2025)
        .values("unit_id")
        .annotate(t=Sum("amount_fen"))
        .values_list("unit_id", "t")
    )
    assert billed == expected_bills
    bal = selectors.unit_balances([u.pk for u in units])
    assert bal[fees.unit.pk] == {"receivable": 0, "credit": 0}
    assert bal[units[1].pk] == {"receivable": 0, "credit": 0}
    assert bal[units[2].pk]["receivable"] == expected_bills[units[2].pk] - 12 * 3000 - 1234
    big_left = 60000 - 10000 - expected_bills[units[3].pk]
    assert bal[units[3].pk] == {"receivable": max(-big_left, 0), "credit": max(big_left, 0)}
    assert (
        JournalLine.objects.filter(account=Account.HARDSHIP_SUBSIDY).aggregate(t=Sum("amount_fen"))[
            "t"
        ]
        == expected_reductions
    )
    # Every fen billed is fee income; the gap ledger adds up to the bills.
    months = selectors.gap_ledger(
        compound_ids=[fees.compound.pk], start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 1)
    )
    assert sum(m.billed for m in months) == sum(expected_bills.values())
    assert Payment.objects.filter(method="online").count() == 12


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("bill"), st.integers(1, 6)),
        st.tuples(st.just("pay"), st.integers(1, 20000)),
        st.tuples(st.just("refund"), st.integers(1, 20000)),
        st.tuples(st.just("adjust"), st.integers(-3000, 3000)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(ops=OPS)
def test_any_sequence_keeps_the_books_balanced(fees, ops):
    from redprop.core.errors import ApplicationError

    staff = fees.staff
    with transaction.atomic():
        history = 0  # what the unit owes, by its own history
        n = 0
        for kind, value in ops:
            n += 1
            try:
                if kind == "bill":
                    run = services.bill_run_request(
                        compound=fees.compound, period=dt.date(2026, value, 1), acting_user=staff
                    )
                    before = Bill.objects.filter(unit=fees.unit).count()
                    services.bill_run_execute(run_id=run.pk)
                    if Bill.objects.filter(unit=fees.unit).count() > before:
                        history += 4028
                elif kind == "pay":
                    services.payment_record(
                        unit=fees.unit,
                        method=Method.CASH,
                        amount=value,
                        reference=f"H{n}",
                        acting_user=staff,
                    )
                    history -= value
                elif kind == "refund":
                    p = Payment.objects.filter(unit=fees.unit).order_by("-pk").first()
                    if p is None:
                        continue
                    services.payment_refund(
                        payment=p, amount=value, reason="退款测试", acting_user=staff
                    )
                    history += value
                elif value:
                    bill = Bill.objects.filter(unit=fees.unit).order_by("-period").first()
                    if bill is None:
                        continue
                    services.adjustment_post(
                        bill=bill, amount=value, reason="更正测试", acting_user=staff
                    )
                    history += value
            except ApplicationError:
                continue  # refused: nothing written (checked below by the balance)
            assert check_books() == [], (kind, value)
            bal = selectors.unit_balances([fees.unit.pk])[fees.unit.pk]
            assert bal["receivable"] - bal["credit"] == history
            assert bal["receivable"] >= 0 and bal["credit"] >= 0
            assert not (bal["receivable"] > 0 and bal["credit"] > 0) or kind in ("bill", "adjust")
        transaction.set_rollback(True)
