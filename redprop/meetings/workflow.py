"""The meeting and resolution workflows: one table each on ``core.workflow``.

Meeting: 筹备中 → 已发通知 (agenda published, invitations sent) → 进行中 (check-in
open) → 已召开 → 纪要已发布; cancelled before it starts. The convener or a desk of
the meeting's territory takes every step.

Resolution (决议): 已通过 → 办理中 → 已办结, reported on by the responsible party or
the organisers; the organisers reopen or cancel it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.meetings import permissions
from redprop.meetings.choices import (
    MEETING_TRANSITIONS,
    RESOLUTION_TRANSITIONS,
    MeetingStatus,
    ResolutionStatus,
)
from redprop.meetings.errors import MeetingError

M = MeetingStatus
R = ResolutionStatus

MEETING_RELATIONSHIPS = {
    "convener": permissions.is_convener,
    "staff": permissions.is_staff,
}

MEETING: Workflow[Any] = Workflow(
    "meetings",
    [
        action(
            "convene",
            {M.PLANNED},
            {M.CONVENED},
            verb=_("发布议程并通知"),
            convener=None,
            staff=None,
        ),
        action(
            "start", {M.CONVENED}, {M.IN_PROGRESS}, verb=_("开始会议"), convener=None, staff=None
        ),
        action("finish", {M.IN_PROGRESS}, {M.HELD}, verb=_("结束会议"), convener=None, staff=None),
        action(
            "publish_minutes",
            {M.HELD},
            {M.CLOSED},
            verb=_("发布会议纪要"),
            convener=None,
            staff=None,
        ),
        action(
            "cancel",
            {M.PLANNED, M.CONVENED},
            {M.CANCELLED},
            verb=_("取消会议"),
            convener=None,
            staff=None,
        ),
    ],
    MEETING_RELATIONSHIPS,
    states=MeetingStatus,
    transitions=MEETING_TRANSITIONS,
    conflict_code=MeetingError.INVALID_TRANSITION,
)

RESOLUTION_RELATIONSHIPS = {
    "responsible": permissions.is_responsible,
    "organiser": permissions.is_organiser,
}

RESOLUTION: Workflow[Any] = Workflow(
    "resolutions",
    [
        action(
            "report",
            {R.ADOPTED, R.IN_PROGRESS},
            {R.IN_PROGRESS},
            verb=_("报告进展"),
            responsible=None,
            organiser=None,
        ),
        action(
            "complete",
            {R.ADOPTED, R.IN_PROGRESS},
            {R.DONE},
            verb=_("报告办结"),
            responsible=None,
            organiser=None,
        ),
        action("reopen", {R.DONE}, {R.IN_PROGRESS}, verb=_("重新办理"), organiser=None),
        action(
            "cancel", {R.ADOPTED, R.IN_PROGRESS}, {R.CANCELLED}, verb=_("撤销决议"), organiser=None
        ),
    ],
    RESOLUTION_RELATIONSHIPS,
    states=ResolutionStatus,
    transitions=RESOLUTION_TRANSITIONS,
    conflict_code=MeetingError.INVALID_TRANSITION,
)
