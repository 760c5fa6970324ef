import enum


class RatingError(enum.StrEnum):
    INVALID_TRANSITION = "rating_invalid_transition"
    SCORE_OUT_OF_RANGE = "rating_score_out_of_range"
    SCORE_NOT_NUMBER = "rating_score_not_number"
    CRITERION_COMPUTED = "rating_criterion_computed"
    UNKNOWN_CRITERION = "rating_unknown_criterion"
    REASON_REQUIRED = "rating_reason_required"
    CYCLE_EXISTS = "rating_cycle_exists"
    CYCLE_CLOSED = "rating_cycle_closed"
    NO_COMPANIES = "rating_no_companies"
    NOT_A_COMPANY = "rating_not_a_company"
    EVIDENCE_EMPTY = "rating_evidence_empty"
    EVIDENCE_TYPE = "rating_evidence_type"
    BAD_THRESHOLDS = "rating_bad_thresholds"
    BAD_FORMULA = "rating_bad_formula"
