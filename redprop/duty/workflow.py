"""The hand-over's workflow (交接班) on the shared action table (core.workflow).

    待接班 ──acknowledge (接班人)──▶ 已接班

Writing the hand-over creates it in 待接班 (``services.handover_write``: one per shift
occurrence); only the incoming worker it names acknowledges, once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.duty import permissions
from redprop.duty.choices import HANDOVER_TRANSITIONS, HandOverEventKind, HandOverStatus
from redprop.duty.errors import DutyError

S = HandOverStatus

WORKFLOW: Workflow[Any] = Workflow(
    "duty_handover",
    [
        action(
            "acknowledge",
            {S.PENDING},
            {S.ACKNOWLEDGED},
            verb=_("确认接班"),
            event=HandOverEventKind.ACKNOWLEDGED,
            input="note",
            incoming=None,
        ),
    ],
    {"incoming": permissions.is_incoming, "outgoing": permissions.is_outgoing},
    states=HandOverStatus,
    transitions=HANDOVER_TRANSITIONS,
    conflict_code=DutyError.HANDOVER_TRANSITION,
)
