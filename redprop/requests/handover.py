"""The open orders a worker passes on at a shift hand-over (交接班, redprop.duty).

Plugged into ``redprop.duty.ports`` by ``RequestsConfig.ready``: the roster app sits
below this one and may not import it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from redprop.duty.ports import OpenOrder
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
