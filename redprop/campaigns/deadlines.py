"""The due dates of campaign items (整改期限), watched by the clock.

The day before an item falls due, the unit's assignee (or, with nobody named, the
unit's staff) is reminded; once it is past due and still not fixed, the assignee or
the unit and the campaign's organiser are told it is overdue. Each reminder goes once
per due date: ``CampaignItem.due_notice`` records the last one sent, and assigning the
item again with a new due date starts over. Registered in ``CampaignsConfig.ready``
(``core.sweeps``); docs/subsystems/campaigns.md.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.campaigns.choices import DueNotice, ItemStatus
from redprop.campaigns.models import CampaignItem
from redprop.core import clock
from redprop.notifications.texts import Text

UNIT_ROLES = (Role.COMPANY_STAFF, Role.UNIT_STAFF, Role.MAINTENANCE_WORKER, Role.GRID_BUTLER)


def _place(item: CampaignItem) -> dict[str, int | None]:
    return {
        "city": item.city_id,
        "district": item.district_id,
        "street": item.street_id,
        "community": item.community_id,
        "grid": item.grid_id,
    }


def _notify(item: CampaignItem, kind: str, subject: Text, *, organiser: bool) -> None:
    from redprop.notifications.audience import audience
    from redprop.notifications.services import outbox_fanout

    users = [item.assignee_id]
    if organiser:
        users.append(item.campaign.created_by_id)
    outbox_fanout(
        kind=f"campaigns.{kind}",
        subject=subject,
        body=subject,
        link=item.get_absolute_url(),
        audience=audience(
            users=users,
            org_roles=None if item.assignee_id else (item.assigned_org_id, UNIT_ROLES),
            place=_place(item),
        ),
        payload={"item": item.pk, "due_on": item.due_on.isoformat() if item.due_on else None},
        target=item,
    )


def _claim(ids: list[int], notice: DueNotice) -> list[CampaignItem]:
    """Mark the items as told (only those not told yet: a second clock tells nobody
    twice) and return them."""
    with transaction.atomic():
        rows = list(
            CampaignItem.objects.select_for_update(of=("self",))
            .filter(pk__in=ids, due_notice__lt=notice, status=ItemStatus.ASSIGNED)
            .select_related("campaign")
            .order_by("pk")
        )
        CampaignItem.objects.filter(pk__in=[r.pk for r in rows]).update(due_notice=notice)
        for row in rows:
            row.due_notice = notice
            if notice == DueNotice.OVERDUE:
                _notify(
                    row,
                    "item_overdue",
                    Text(
                        gettext_noop("整治问题整改已逾期（期限 %(due)s）：%(hazard)s"),
                        {"due": row.due_on.isoformat() if row.due_on else "", "hazard": str(row)},
                    ),
                    organiser=True,
                )
            else:
                _notify(
                    row,
                    "item_due_soon",
                    Text(
                        gettext_noop("整治问题明天到期（%(due)s），请按期整改：%(hazard)s"),
                        {"due": row.due_on.isoformat() if row.due_on else "", "hazard": str(row)},
                    ),
                    organiser=False,
                )
    return rows


def item_due_sweep(*, today: dt.date | None = None, limit: int = 1000) -> int:
    """Remind of items due tomorrow and report overdue ones; returns how many were told.
    Idempotent: safe to run anywhere, any number of times."""
    today = today or clock.today()
    open_items = CampaignItem.objects.filter(status=ItemStatus.ASSIGNED, due_on__isnull=False)
    overdue = list(
        open_items.filter(due_on__lt=today, due_notice__lt=DueNotice.OVERDUE)
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    soon = list(
        open_items.filter(
            due_on__gte=today,
            due_on__lte=today + dt.timedelta(days=1),
            due_notice=DueNotice.NONE,
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return len(_claim(overdue, DueNotice.OVERDUE)) + len(_claim(soon, DueNotice.DUE_SOON))
