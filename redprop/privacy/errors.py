import enum


class PrivacyError(enum.StrEnum):
    NO_PERSON = "no_person_record"
    ERASURE_PENDING = "erasure_pending"
    ERASURE_DECIDED = "erasure_already_decided"
    ERASURE_NOT_ALLOWED = "erasure_not_allowed"
    REASON_TOO_LONG = "reason_too_long"
    NOTE_REQUIRED = "decision_note_required"
