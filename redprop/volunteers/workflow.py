"""The two workflows of a volunteer activity, each one table on core.workflow that the
services, the API and the pages' buttons read.

Activity::

    草稿 ──publish──▶ 报名中 ──start──▶ 进行中 ──finish──▶ 已结束
      │                 │
      └─────cancel──────┴──▶ 已取消

Hours (one record per check-in)::

    待审核 ──approve──▶ 已认定
       └────reject────▶ 已驳回

Sign-up, check-in and check-out are not transitions of the activity: they change a
sign-up row under the activity's lock (services.py). A cancellation and a rejection
need a reason.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.volunteers import permissions
from redprop.volunteers.choices import (
    ACTIVITY_TRANSITIONS,
    HOURS_TRANSITIONS,
    ActivityStatus,
    HoursStatus,
)
from redprop.volunteers.errors import VolunteerError

S = ActivityStatus
H = HoursStatus

ACTIVITY: Workflow[Any] = Workflow(
    "volunteer_activity",
    [
        action("publish", {S.DRAFT}, {S.PUBLISHED}, verb=_("发布活动"), organiser=None),
        action("start", {S.PUBLISHED}, {S.ONGOING}, verb=_("开始活动"), organiser=None),
        action("finish", {S.ONGOING}, {S.FINISHED}, verb=_("结束活动"), organiser=None),
        action(
            "cancel",
            {S.DRAFT, S.PUBLISHED},
            {S.CANCELLED},
            verb=_("取消活动"),
            input="reason",
            organiser=None,
        ),
    ],
    {"organiser": permissions.is_organiser},
    states=ActivityStatus,
    transitions=ACTIVITY_TRANSITIONS,
    conflict_code=VolunteerError.INVALID_TRANSITION,
)

HOURS: Workflow[Any] = Workflow(
    "volunteer_hours",
    [
        action(
            "approve",
            {H.PENDING},
            {H.APPROVED},
            verb=_("认定时长"),
            staff_never=True,
            organiser=None,
        ),
        action(
            "reject",
            {H.PENDING},
            {H.REJECTED},
            verb=_("驳回时长"),
            input="reason",
            staff_never=True,
            organiser=None,
        ),
    ],
    {"organiser": permissions.is_hours_organiser},
    states=HoursStatus,
    transitions=HOURS_TRANSITIONS,
    # "Staff" here is the volunteer themself: nobody approves their own hours.
    is_staff=permissions.is_hours_owner,
    conflict_code=VolunteerError.HOURS_INVALID_TRANSITION,
)

NEEDS_REASON = frozenset({"cancel", "reject"})
