"""The campaign item workflow's table (on ``core.workflow``): found → assigned →
fixed → verified, a fix not accepted rejected back to assigned."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.campaigns import permissions
from redprop.campaigns.choices import TRANSITIONS, ItemStatus
from redprop.campaigns.errors import CampaignError
from redprop.core.workflow import Workflow, action

S = ItemStatus

RELATIONSHIPS = {
    "inspector": permissions.is_inspector,
    "fixer": permissions.is_fixer,
}

WORKFLOW: Workflow[Any] = Workflow(
    "campaign_items",
    [
        action("assign", {S.FOUND, S.ASSIGNED}, {S.ASSIGNED}, inspector=None, verb=_("交办")),
        action("fix", {S.ASSIGNED}, {S.FIXED}, fixer=None, verb=_("整改完成")),
        action("verify", {S.FIXED}, {S.VERIFIED}, inspector=None, verb=_("验收销号")),
        action("reject", {S.FIXED}, {S.ASSIGNED}, inspector=None, verb=_("退回重改")),
    ],
    RELATIONSHIPS,
    states=ItemStatus,
    transitions=TRANSITIONS,
    conflict_code=CampaignError.INVALID_TRANSITION,
)
