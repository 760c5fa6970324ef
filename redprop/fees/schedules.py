"""Fee schedules (收费标准), a unit's subscriptions (车位、垃圾清运…) and the request
for a month's bill run (queued as a task: ``tasks.run_bills`` → ``billrun``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent
from redprop.fees import permissions
from redprop.fees.choices import (
    Basis,
    Charge,
)
from redprop.fees.errors import FeesError
from redprop.fees.ledger import is_closed, month_start
from redprop.fees.models import (
    Bill,
    BillRun,
    FeeSchedule,
    Subscription,
)
from redprop.fees.service_base import require
from redprop.fees.tasks import run_bills
from redprop.territory.models import Compound, Unit

# --- schedules ------------------------------------------------------------------------------


@transaction.atomic
def schedule_create(
    *,
    compound: Compound,
    charge: str,
    name: str,
    basis: str,
    rate: str | Decimal,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    acting_user: Any,
) -> FeeSchedule:
    """Add a rate for one charge. It may not overlap another schedule of the same charge
    and name; an open-ended earlier schedule is ended the day before (a change of rate
    applies from its date). Checked under a lock on the compound, so two concurrent
    changes cannot both pass."""
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    require(permissions.is_collector(acting_user, compound))
    if charge not in Charge.values:
        raise ApplicationError(FeesError.INVALID_RATE, _("未知的收费项目"), field="charge")
    if basis not in Basis.values:
        raise ApplicationError(FeesError.INVALID_RATE, _("未知的计费方式"), field="basis")
    name = (name or "").strip() or str(Charge(charge).label)
    if len(name) > 32:
        raise ApplicationError(FeesError.INVALID_RATE, _("名称不能超过 32 个字"), field="name")
    try:
        rate_d = Decimal(str(rate).strip()) if not isinstance(rate, float) else None
    except InvalidOperation:
        rate_d = None
    if (
        rate_d is None
        or not rate_d.is_finite()
        or rate_d <= 0
        or rate_d >= Decimal("1000000")
        or rate_d != rate_d.quantize(Decimal("0.0001"))
    ):
        raise ApplicationError(
            FeesError.INVALID_RATE, _("单价须大于零，最多四位小数"), field="rate"
        )
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(FeesError.INVALID_DATES, _("截止日期早于生效日期"), field="valid_to")
    same = FeeSchedule.objects.filter(compound=compound, charge=charge, name=name)
    # An open-ended schedule that started earlier ends the day before the new one.
    for prev in same.filter(valid_to__isnull=True, valid_from__lt=valid_from):
        if Bill.objects.filter(
            compound=compound, period__gte=month_start(valid_from)
        ).exists() and (is_closed(compound.pk, month_start(valid_from))):
            raise ApplicationError(
                FeesError.PERIOD_CLOSED, _("该月份已结账，不能调整收费标准"), field="valid_from"
            )
        prev.valid_to = valid_from - dt.timedelta(days=1)
        prev.save(update_fields=["valid_to", "updated_at"])
    end = valid_to or dt.date.max
    for other in same:
        other_end = other.valid_to or dt.date.max
        if other.valid_from <= end and valid_from <= other_end:
            raise ApplicationError(
                FeesError.SCHEDULE_OVERLAP,
                _("与已有的收费标准（%(start)s 起）时间重叠") % {"start": other.valid_from},
                field="valid_from",
            )
    schedule = FeeSchedule.objects.create(
        compound=compound,
        charge=charge,
        name=name,
        basis=basis,
        rate=rate_d,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit(actor=acting_user, event=AuditEvent.FEE_SCHEDULE_SET, target=schedule)
    return schedule


@transaction.atomic
def subscription_add(
    *,
    unit: Unit,
    charge: str,
    name: str,
    quantity: int = 1,
    started_on: dt.date,
    acting_user: Any,
) -> Subscription:
    require(permissions.is_collector(acting_user, unit.compound))
    if not 1 <= quantity <= 100:
        raise ApplicationError(
            FeesError.INVALID_RATE, _("数量应在 1 到 100 之间"), field="quantity"
        )
    return Subscription.objects.create(
        unit=unit, charge=charge, name=name, quantity=quantity, started_on=started_on
    )


# --- bill runs ------------------------------------------------------------------------------


@transaction.atomic
def bill_run_request(*, compound: Compound, period: dt.date, acting_user: Any) -> BillRun:
    """Queue the month's bill run for a compound (出账). Running it twice bills once:
    the run is unique per (compound, month) and a second request returns the first."""
    require(permissions.is_collector(acting_user, compound))
    period = month_start(period)
    if is_closed(compound.pk, period):
        raise ApplicationError(
            FeesError.PERIOD_CLOSED, _("该月份已公示结账，不能再出账"), field="month"
        )
    if period > month_start(timezone.localdate()):
        raise ApplicationError(FeesError.INVALID_MONTH, _("不能为未来月份出账"), field="month")
    run, created = BillRun.objects.get_or_create(
        compound=compound,
        period=period,
        defaults={"requested_by": acting_user if getattr(acting_user, "pk", None) else None},
    )
    if created:
        audit(actor=acting_user, event=AuditEvent.FEE_BILL_RUN, target=run)
        transaction.on_commit(lambda: run_bills.enqueue(run.pk))
    return run
