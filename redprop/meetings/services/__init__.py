"""Every write of the meetings app (议事协商). Keyword-only, atomic: on an error
nothing is written. Administrative acts leave an audit row (AuditEvent 731–739);
notifications go through the outbox in the same transaction.

See docs/subsystems/meetings.md.

By concern: ``series`` (series, occurrences, meetings, invitations), ``agenda``
(issues and the agenda), ``meeting_day`` (the meeting workflow, check-in, attendance),
``minutes`` (minutes, resolutions, follow-ups), ``feeds`` (calendar feeds); shared
helpers in ``base``. Callers import this package: ``services.meeting_convene``.
"""

from __future__ import annotations

from redprop.meetings.services.agenda import (
    agenda_add,
    agenda_build,
    agenda_order,
    agenda_reorder,
    issue_from_request,
    issue_merge,
    issue_propose,
)
from redprop.meetings.services.base import (
    CHECKIN_MAX_AGE,
    CHECKIN_SALT,
    DEADLINE_MAX,
    ORG_PARTY,
)
from redprop.meetings.services.feeds import (
    feed_issue,
    feed_revoke,
)
from redprop.meetings.services.meeting_day import (
    _checkin_max_age as _checkin_max_age,  # the API shows the link's lifetime
)
from redprop.meetings.services.meeting_day import (
    attendance_mark,
    carry_over,
    checkin_meeting,
    checkin_scan,
    checkin_token,
    meeting_convene,
    meeting_finish,
    meeting_publish_minutes,
    meeting_start,
)
from redprop.meetings.services.minutes import (
    followup_attach,
    followup_mirror,
    followup_refresh,
    minutes_record,
    resolution_adopt,
    resolution_launch_vote,
    resolution_spawn_request,
    resolution_step,
    vote_result_received,
)
from redprop.meetings.services.series import (
    meeting_cancel,
    meeting_create,
    meeting_for_occurrence,
    next_meeting,
    occurrence_cancel,
    occurrence_move,
    participant_invite,
    series_create,
    series_set_rule,
)

__all__ = [
    "CHECKIN_MAX_AGE",
    "CHECKIN_SALT",
    "DEADLINE_MAX",
    "ORG_PARTY",
    "agenda_add",
    "agenda_build",
    "agenda_order",
    "agenda_reorder",
    "attendance_mark",
    "carry_over",
    "checkin_meeting",
    "checkin_scan",
    "checkin_token",
    "feed_issue",
    "feed_revoke",
    "followup_attach",
    "followup_mirror",
    "followup_refresh",
    "issue_from_request",
    "issue_merge",
    "issue_propose",
    "meeting_cancel",
    "meeting_convene",
    "meeting_create",
    "meeting_finish",
    "meeting_for_occurrence",
    "meeting_publish_minutes",
    "meeting_start",
    "minutes_record",
    "next_meeting",
    "occurrence_cancel",
    "occurrence_move",
    "participant_invite",
    "resolution_adopt",
    "resolution_launch_vote",
    "resolution_spawn_request",
    "resolution_step",
    "series_create",
    "series_set_rule",
    "vote_result_received",
]
