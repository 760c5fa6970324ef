"""Arrears reminders (催缴提醒) through the notification outbox, once a month.

The clock (``manage.py run_clock``) calls :func:`reminder_sweep` every pass; from the
reminder day of the month (``REDPROP_FEES_REMINDER_DAY``) it sends each compound's
reminders once (``ReminderRun`` is unique per compound and month, and every message
has a dedupe key), so a crash, a second clock or a rerun sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.fees import selectors
from redprop.fees.ledger import month_start
from redprop.fees.models import Bill, ReminderRun
from redprop.fees.money import fmt
from redprop.territory.models import Compound

KIND = "fees.arrears_reminder"


def reminder_sweep(*, today: dt.date | None = None) -> int:
    """Send this month's reminders for every compound not yet reminded; returns the
    number of units reminded."""
    today = today or timezone.localdate()
    if today.day < getattr(settings, "REDPROP_FEES_REMINDER_DAY", 10):
        return 0
    period = month_start(today)
    done = ReminderRun.objects.filter(period=period).values_list("compound_id", flat=True)
    todo = (
        Compound.objects.filter(pk__in=Bill.objects.values("compound_id"))
        .exclude(pk__in=done)
        .order_by("pk")
    )
    return sum(compound_remind(compound=c, today=today) for c in todo)


@transaction.atomic
def compound_remind(*, compound: Compound, today: dt.date) -> int:
    from redprop.accounts.models import User
    from redprop.notifications.services import outbox_enqueue

    period = month_start(today)
    try:
        with transaction.atomic():
            run = ReminderRun.objects.create(compound=compound, period=period)
    except IntegrityError:
        return 0
    rows = selectors.arrears(compounds=Compound.objects.filter(pk=compound.pk), as_of=today)
    # Only bills of earlier months are overdue.
    rows = [r for r in rows if r.oldest < period]
    users: dict[int, list[User]] = {}
    for user in User.objects.filter(
        is_active=True, person__occupancies__unit_id__in=[r.unit_id for r in rows]
    ).values_list("pk", "person__occupancies__unit_id"):
        users.setdefault(user[1], []).append(user[0])  # type: ignore[arg-type]
    by_pk = User.objects.in_bulk([pk for pks in users.values() for pk in pks])  # type: ignore[misc]
    for row in rows:
        recipients = [by_pk[pk] for pk in users.get(row.unit_id, [])]  # type: ignore[index]
        if not recipients:
            continue
        outbox_enqueue(
            kind=KIND,
            subject=_("物业费缴费提醒"),
            body=_(
                "%(unit)s 尚有物业费 %(amount)s 元未缴（最早 %(month)s），可在“我的账单”在线缴纳。"
            )
            % {"unit": row.label, "amount": fmt(row.total), "month": f"{row.oldest:%Y-%m}"},
            link="/fees/my/",
            recipients=recipients,
            dedupe_key=f"{KIND}:{row.unit_id}:{period:%Y-%m}",
        )
    run.units = len(rows)
    run.save(update_fields=["units", "updated_at"])
    return len(rows)
