import enum


class MeetingError(enum.StrEnum):
    """Error codes of the meetings app (议事协商)."""

    INVALID_RULE = "meeting_invalid_rule"
    INVALID_TRANSITION = "meeting_invalid_transition"
    NO_OCCURRENCE = "meeting_no_occurrence"
    NO_NEXT_MEETING = "meeting_no_next_meeting"
    ALREADY_ON_AGENDA = "meeting_already_on_agenda"
    ALREADY_SENT = "meeting_request_already_sent"
    ISSUE_CLOSED = "meeting_issue_closed"
    CHECKIN_EXPIRED = "meeting_checkin_expired"
    CHECKIN_INVALID = "meeting_checkin_invalid"
    CHECKIN_CLOSED = "meeting_checkin_closed"
    RESPONSIBLE_REQUIRED = "meeting_responsible_required"
    FEED_REVOKED = "meeting_feed_revoked"
