"""Error codes of the fees app (``{code, message, field}``)."""

from __future__ import annotations

import enum


class FeesError(enum.StrEnum):
    INVALID_AMOUNT = "invalid_amount"
    TOO_MANY_DECIMALS = "too_many_decimals"
    NOT_POSITIVE = "amount_not_positive"
    TOO_LARGE = "amount_too_large"
    SCHEDULE_OVERLAP = "schedule_overlap"
    INVALID_DATES = "invalid_dates"
    INVALID_RATE = "invalid_rate"
    PERIOD_CLOSED = "period_closed"
    INVALID_MONTH = "invalid_month"
    BILL_OTHER_COMPOUND = "bill_of_other_compound"
    BILL_NOT_OPEN = "bill_not_open"
    DUPLICATE_REFERENCE = "duplicate_reference"
    REFERENCE_REQUIRED = "reference_required"
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_ORDER = "unknown_order"
    UNKNOWN_PROVIDER = "unknown_provider"
    AMOUNT_MISMATCH = "amount_mismatch"
    NOTHING_DUE = "nothing_due"
    REFUND_TOO_LARGE = "refund_too_large"
    UNBALANCED = "unbalanced"
    NOT_A_RED_COMPOUND = "no_company"
    DISCLOSURE_EXISTS = "disclosure_exists"
    MONTH_NOT_OVER = "month_not_over"
    HARDSHIP_NOT_ELIGIBLE = "hardship_not_eligible"
    INVALID_PERCENT = "invalid_percent"
    CONFLICT = "fees_conflict"
