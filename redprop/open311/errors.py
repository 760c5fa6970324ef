import enum


class Open311Error(enum.StrEnum):
    """Machine-readable reasons of the Open311 interface's errors (the ``reason`` next
    to GeoReport's ``code`` and ``description``)."""

    BAD_KEY = "bad_api_key"
    RATE_LIMITED = "rate_limited"
    UNKNOWN_SERVICE = "unknown_service_code"
    UNKNOWN_REQUEST = "unknown_service_request"
    UNKNOWN_TOKEN = "unknown_token"  # noqa: S105 - an error code, not a secret
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    MISSING_ATTRIBUTE = "missing_attribute"
    INVALID_ATTRIBUTE = "invalid_attribute"
    LOCATION_REQUIRED = "location_required"
    LOCATION_UNKNOWN = "location_unknown"
    OUT_OF_SCOPE = "location_out_of_scope"
    IDEMPOTENCY_MISMATCH = "idempotency_key_reused"
    BAD_JURISDICTION = "unknown_jurisdiction"
    BAD_FORMAT = "unknown_format"
