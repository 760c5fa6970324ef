import enum


class MediationError(enum.StrEnum):
    """Error codes of mediation cases and petitions (调解与信访)."""

    PARTIES_REQUIRED = "parties_required"
    PARTY_INVALID = "party_invalid"
    PLACE_REQUIRED = "place_required"
    TITLE_REQUIRED = "title_required"
    SESSION_BEFORE_OPENED = "session_before_opened"
    SESSION_IN_FUTURE = "session_in_future"
    AGREEMENT_TEXT_REQUIRED = "agreement_text_required"
    ANSWER_TEXT_REQUIRED = "answer_text_required"
    REASON_REQUIRED = "reason_required"
    FOLLOW_UP_DATE_INVALID = "follow_up_date_invalid"
    EXTENSION_INVALID = "extension_invalid"
    EXTENSION_USED = "extension_used"
    MEDIATOR_INVALID = "mediator_invalid"
    ALREADY_RATED = "already_rated"
    NOT_A_PARTY = "not_a_party"
    ALREADY_ESCALATED = "already_escalated"
    REQUEST_INVALID = "request_invalid"
    UPLOAD_INVALID = "upload_invalid"
    INVALID_TRANSITION = "invalid_transition"
