"""The assessment's workflow: one table (core.workflow) that the services, the API and
the page's buttons read.

    企业自评 ──submit──▶ 社区党委测评 ──forward──▶ 房管部门复核 ──certify──▶ 已认定 ──withdraw──▶ 已撤销
        ▲                    │   ▲                    │
        └────send_back───────┘   └──send_back_review──┘

Each stage scores in its own state (``score`` is not a transition: the service checks
``SCORERS``). A send-back needs a reason; so does a withdrawal.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.ratings import permissions
from redprop.ratings.choices import TRANSITIONS, Stage
from redprop.ratings.errors import RatingError

S = Stage

WORKFLOW: Workflow[Any] = Workflow(
    "ratings",
    [
        action("submit", {S.SELF}, {S.COMMUNITY}, verb=_("提交测评"), company=None),
        action("send_back", {S.COMMUNITY}, {S.SELF}, verb=_("退回企业修改"), committee=None),
        action(
            "send_back_review",
            {S.BUREAU},
            {S.COMMUNITY},
            verb=_("退回社区复核"),
            event="send_back",
            bureau=None,
        ),
        action("forward", {S.COMMUNITY}, {S.BUREAU}, verb=_("报送复核"), committee=None),
        action("certify", {S.BUREAU}, {S.CERTIFIED}, verb=_("认定星级"), bureau=None),
        action("withdraw", {S.CERTIFIED}, {S.WITHDRAWN}, verb=_("撤销星级"), bureau=None),
    ],
    {
        "company": permissions.is_company,
        "committee": permissions.is_committee,
        "bureau": permissions.is_bureau,
    },
    state_field="stage",
    states=Stage,
    transitions=TRANSITIONS,
    conflict_code=RatingError.INVALID_TRANSITION,
)

# Who scores in each stage (the relationship of the table).
SCORERS = {S.SELF: "company", S.COMMUNITY: "committee", S.BUREAU: "bureau"}

# Actions that need a reason.
NEEDS_REASON = frozenset({"send_back", "send_back_review", "withdraw"})
