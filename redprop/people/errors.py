import enum


class PeopleError(enum.StrEnum):
    INVALID_ID_NUMBER = "invalid_id_number"
    INVALID_MOBILE = "invalid_mobile"
    INVALID_PHONE = "invalid_phone"
    DUPLICATE_ID_NUMBER = "duplicate_id_number"
    UNKNOWN_TAG = "unknown_tag"
    REVEAL_NOT_ALLOWED = "reveal_not_allowed"
    REVEAL_REASON_REQUIRED = "reveal_reason_required"
    UNKNOWN_FIELD = "unknown_field"
