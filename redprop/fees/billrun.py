"""The bill run itself (出账), run by the task ``tasks.run_bills``: every unit of a
compound billed for its month in one transaction. The request that queues it is
``schedules.bill_run_request``; this module does not import the services.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from redprop.fees import billing
from redprop.fees.allocation import apply_credit
from redprop.fees.choices import (
    CHARGE_ACCOUNT,
    Account,
    EntryKind,
    RunStatus,
)
from redprop.fees.ledger import Line, insert_rows, is_closed, month_end, post
from redprop.fees.models import (
    Bill,
    BillLine,
    BillRun,
    FeeSchedule,
    HardshipGrant,
    Reduction,
    Subscription,
)
from redprop.territory.models import Compound, Unit


def bill_run_execute(*, run_id: int) -> BillRun:
    """Bill every unit of the run's compound for its month, in one transaction: bills,
    lines, the month's receivable entry (one line per unit), the hardship reductions
    (their own entry: the subsidy line) and the application of units' credit.
    Idempotent: a finished run is returned as it is. A fixed number of queries,
    whatever the number of units (bulk inserts)."""
    with transaction.atomic():
        run = BillRun.objects.select_for_update().select_related("compound").get(pk=run_id)
        if run.status == RunStatus.DONE:
            return run
        compound = run.compound
        if is_closed(compound.pk, run.period):
            run.status, run.error = RunStatus.FAILED, "period closed"
            run.save(update_fields=["status", "error", "updated_at"])
            return run
        period, end = run.period, month_end(run.period)
        bills = billing.compute_bills(
            period=period,
            units=[
                billing.UnitRow(u[0], u[1], u[2])
                for u in Unit.objects.filter(compound=compound)
                .exclude(bills__period=period)
                .order_by("pk")
                .values_list("pk", "floor_area", "exclusive_area")
            ],
            schedules=[
                billing.ScheduleRow(
                    s.pk, s.charge, s.name, s.basis, s.rate, s.valid_from, s.valid_to
                )
                for s in FeeSchedule.objects.filter(compound=compound, valid_from__lte=end)
            ],
            subscriptions=[
                billing.SubscriptionRow(
                    s.unit_id, s.charge, s.name, s.quantity, s.started_on, s.ended_on
                )
                for s in Subscription.objects.filter(unit__compound=compound, started_on__lte=end)
            ],
            grants=[
                billing.GrantRow(
                    g.pk, g.unit_id, g.policy.charge, g.policy.percent, g.valid_from, g.valid_to
                )
                for g in HardshipGrant.objects.filter(
                    unit__compound=compound, valid_from__lte=end, policy__is_active=True
                ).select_related("policy")
            ],
        )
        total = sum(b.amount_fen for b in bills)
        if bills:
            _post_bills(run, compound, bills)
        run.status, run.bills, run.total_fen = RunStatus.DONE, len(bills), total
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "bills", "total_fen", "finished_at", "updated_at"])
        return run


def _post_bills(run: BillRun, compound: Compound, bills: list[billing.BillOut]) -> None:
    period = run.period
    income: dict[str, int] = defaultdict(int)
    lines = []
    for b in bills:
        lines.append(Line(Account.RECEIVABLE, b.amount_fen, b.unit_id))
        for line in b.lines:
            income[CHARGE_ACCOUNT[line.charge]] += line.amount_fen
    lines += [Line(acc, -fen) for acc, fen in income.items() if fen]
    entry = post(
        kind=EntryKind.BILL,
        lines=lines,
        compound=compound,
        occurred_on=period,
        period=period,
        memo=f"{period:%Y-%m} 物业费账单",
    )
    place = {k: getattr(entry, k) for k in ("city_id", "district_id", "street_id", "community_id")}
    grid_of = dict(Unit.objects.filter(compound=compound).values_list("pk", "grid_id"))
    now = timezone.now()
    insert_rows(
        Bill,
        [
            "created_at",
            "city_id",
            "district_id",
            "street_id",
            "community_id",
            "grid_id",
            "unit_id",
            "compound_id",
            "run_id",
            "entry_id",
            "period",
            "amount_fen",
        ],
        [
            (
                now,
                place["city_id"],
                place["district_id"],
                place["street_id"],
                place["community_id"],
                grid_of.get(b.unit_id),
                b.unit_id,
                compound.pk,
                run.pk,
                entry.pk,
                period,
                b.amount_fen,
            )
            for b in bills
        ],
    )
    bill_ids = dict(Bill.objects.filter(run=run).values_list("unit_id", "pk"))
    insert_rows(
        BillLine,
        [
            "bill_id",
            "schedule_id",
            "charge",
            "description",
            "quantity",
            "rate",
            "days",
            "days_in_month",
            "amount_fen",
        ],
        [
            (
                bill_ids[b.unit_id],
                line.schedule_id,
                line.charge,
                line.description,
                line.quantity,
                line.rate,
                line.days,
                line.days_in_month,
                line.amount_fen,
            )
            for b in bills
            for line in b.lines
        ],
    )
    reductions = [(b, gid, fen) for b in bills for gid, fen in b.reductions]
    if reductions:
        r_entry = post(
            kind=EntryKind.REDUCTION,
            lines=[
                Line(Account.HARDSHIP_SUBSIDY, sum(fen for _b, _g, fen in reductions)),
                *[Line(Account.RECEIVABLE, -fen, b.unit_id) for b, _g, fen in reductions],
            ],
            compound=compound,
            occurred_on=period,
            period=period,
            memo=f"{period:%Y-%m} 困难户减免（补贴）",
        )
        Reduction.objects.bulk_create(
            [
                Reduction(bill_id=bill_ids[b.unit_id], grant_id=gid, entry=r_entry, amount_fen=fen)
                for b, gid, fen in reductions
            ],
            batch_size=5000,
        )
    apply_credit(compound, period, list(bill_ids))
