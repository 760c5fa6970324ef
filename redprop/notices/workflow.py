"""The notice workflow's table (on ``core.workflow``): draft → published →
withdrawn | expired. The services, the API and the page's buttons read it."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.notices import permissions
from redprop.notices.choices import TRANSITIONS, NoticeStatus
from redprop.notices.errors import NoticeError

S = NoticeStatus

RELATIONSHIPS = {
    "publisher": permissions.is_publisher,
    "clock": permissions.is_clock,
}

WORKFLOW: Workflow[Any] = Workflow(
    "notices",
    [
        action("publish", {S.DRAFT}, {S.PUBLISHED}, publisher=None, verb=_("发布")),
        action("withdraw", {S.DRAFT, S.PUBLISHED}, {S.WITHDRAWN}, publisher=None, verb=_("撤回")),
        action("expire", {S.PUBLISHED}, {S.EXPIRED}, clock=None, verb=_("到期下架")),
    ],
    RELATIONSHIPS,
    states=NoticeStatus,
    transitions=TRANSITIONS,
    conflict_code=NoticeError.INVALID_TRANSITION,
)
