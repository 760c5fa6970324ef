"""The open orders a worker passes on at a shift hand-over (交接班, redprop.duty), and
the notice to the incoming worker.

Plugged into ``redprop.duty.ports`` by ``RequestsConfig.ready``: the roster app sits
below this one and may not import it (nor the notifications, its sibling).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from redprop.duty.ports import OpenOrder
from redprop.notifications.audience import audience
from redprop.notifications.services import outbox_fanout
from redprop.notifications.texts import Text
from redprop.requests.choices import OPEN_STATES
from redprop.requests.models import ServiceRequest


def open_orders_for_handover(
    *, user: Any, org_id: int, community_id: int | None, limit: int
) -> list[OpenOrder]:
    """Open requests assigned to ``user``, then those of ``org_id`` in the community,
    oldest first (the longest waiting are passed on first). Two indexed filters in one
    query."""
    where = Q(assignee_id=user.pk)
    if community_id is not None:
        where |= Q(handling_org_id=org_id, community_id=community_id)
    rows = (
        ServiceRequest.objects.filter(where, status__in=list(OPEN_STATES))
        .select_related("category")
        .order_by("created_at", "id")[:limit]
    )
    return [
        OpenOrder(
            request_id=r.pk,
            number=r.number,
            title=(f"{r.category.name}：" if r.category_id else "") + r.description[:60],
            status=str(r.get_status_display()),
            mine=r.assignee_id == user.pk,
        )
        for r in rows
    ]


def notify_handover_written(*, handover: Any) -> None:
    """The incoming worker named on a hand-over hears of it (``duty.handover``), with
    the number of orders passed on and a link to the hand-over page to acknowledge.
    Runs in the hand-over's transaction (``redprop.duty.ports.handover_written``)."""
    if not handover.to_user_id or handover.to_user_id == handover.from_user_id:
        return
    orders = handover.items.count()
    outbox_fanout(
        kind="duty.handover",
        subject=Text(
            gettext_noop("交接班：%(org)s %(day)s %(start)s 的班次已交给您"),
            {
                "org": handover.shift.org.name,
                "day": handover.day.isoformat(),
                "start": f"{handover.shift.starts_at:%H:%M}",
            },
        ),
        body=Text(
            gettext_noop("移交未办结工单 %(n)s 件。请查看交班说明并确认接班。"),
            {"n": orders},
        ),
        link=reverse("web:duty_handover_detail", args=[handover.pk]),
        audience=audience(users=[handover.to_user_id]),
        payload={"handover": handover.pk, "shift": handover.shift_id, "orders": orders},
        target=handover,
    )
