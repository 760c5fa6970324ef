"""The service-list item's workflow: one table (core.workflow) that the services, the
API and the page's buttons read.

    待认领 ──claim──▶ 已认领 ──start──▶ 服务中 ──complete──▶ 已完成
      ▲  │             │  │               │  │
      │  └─cancel──────┼──┼──▶ 已取消 ◀───┘  │
      └────release─────┘  └──────release─────┘

A claim on an item already claimed is a 409 (``service_item_already_claimed``): the
row is locked, so of two claims at once exactly one wins. Completion needs evidence
(a note, photos optional); a hand-back and a cancellation need a reason.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.service_lists import permissions
from redprop.service_lists.choices import TRANSITIONS, Status
from redprop.service_lists.errors import ServiceListError

S = Status

RELATIONSHIPS = {
    "claimant": permissions.is_claimant,
    "holder": permissions.is_holder,
    "poster": permissions.is_poster,
    "coordinator": permissions.is_coordinator,
}

WORKFLOW: Workflow[Any] = Workflow(
    "service_items",
    [
        action("claim", {S.OPEN}, {S.CLAIMED}, verb=_("认领"), claimant=None),
        action("start", {S.CLAIMED}, {S.IN_PROGRESS}, verb=_("开始服务"), holder=None),
        action(
            "complete",
            {S.IN_PROGRESS},
            {S.DONE},
            verb=_("完成服务"),
            input="evidence",
            holder=None,
        ),
        action(
            "release",
            {S.CLAIMED, S.IN_PROGRESS},
            {S.OPEN},
            verb=_("退回认领"),
            input="reason",
            holder=None,
            coordinator=None,
        ),
        action(
            "cancel",
            {S.OPEN, S.CLAIMED, S.IN_PROGRESS},
            {S.CANCELLED},
            verb=_("取消"),
            input="reason",
            poster=None,
            coordinator=None,
        ),
    ],
    RELATIONSHIPS,
    states=Status,
    transitions=TRANSITIONS,
    conflict_code=ServiceListError.INVALID_TRANSITION,
)

NEEDS_REASON = frozenset({"release", "cancel"})
