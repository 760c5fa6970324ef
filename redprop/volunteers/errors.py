import enum


class VolunteerError(enum.StrEnum):
    INVALID_TRANSITION = "volunteer_invalid_transition"
    HOURS_INVALID_TRANSITION = "volunteer_hours_invalid_transition"
    NOT_A_VOLUNTEER = "volunteer_not_registered"
    ALREADY_VOLUNTEER = "volunteer_already_registered"
    FULL = "volunteer_activity_full"
    ALREADY_SIGNED_UP = "volunteer_already_signed_up"
    NOT_SIGNED_UP = "volunteer_not_signed_up"
    SIGNUP_CLOSED = "volunteer_signup_closed"
    NOT_STARTED = "volunteer_activity_not_started"
    ATTENDANCE_CLOSED = "volunteer_attendance_closed"
    ALREADY_CHECKED_IN = "volunteer_already_checked_in"
    NOT_CHECKED_IN = "volunteer_not_checked_in"
    ALREADY_CHECKED_OUT = "volunteer_already_checked_out"
    ALREADY_CREDITED = "volunteer_hours_already_credited"
    HOURS_OUT_OF_RANGE = "volunteer_hours_out_of_range"
    TOKEN_INVALID = "volunteer_token_invalid"  # noqa: S105 - an error code
    TOKEN_EXPIRED = "volunteer_token_expired"  # noqa: S105 - an error code
    BAD_TIMES = "volunteer_bad_times"
    BAD_CAPACITY = "volunteer_bad_capacity"
    UNKNOWN_SKILL = "volunteer_unknown_skill"
    REASON_REQUIRED = "volunteer_reason_required"
    NOT_A_COMMUNITY = "volunteer_not_a_community"
    TEAM_ELSEWHERE = "volunteer_team_elsewhere"
    TEXT_INVALID = "volunteer_text_invalid"
    BAD_KIND = "volunteer_bad_team_kind"
    BAD_STATUS = "volunteer_bad_status"
