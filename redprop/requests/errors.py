import enum


class RequestError(enum.StrEnum):
    INVALID_TRANSITION = "invalid_transition"
    ALREADY_TAKEN = "already_taken"
    STALE_VERSION = "stale_version"
    UNKNOWN_CATEGORY = "unknown_category"
    PLACE_REQUIRED = "place_required"
    DUPLICATE_OWN_REQUEST = "duplicate_own_request"
    PLACE_OUT_OF_SCOPE = "place_out_of_scope"
    DESCRIPTION_REQUIRED = "description_required"
    REASON_REQUIRED = "reason_required"
    INVALID_IMAGE = "invalid_image"
    IMAGE_TOO_LARGE = "image_too_large"
    TOO_MANY_PHOTOS = "too_many_photos"
    INVALID_RATING = "invalid_rating"
    REOPEN_LIMIT = "reopen_limit"
    MERGE_INVALID = "merge_invalid"
    NO_HANDLER = "no_handler"
    INVALID_ASSIGNEE = "invalid_assignee"
    NOT_HANDLER = "not_handler"
    INVALID_PLAN = "invalid_plan"
    NOT_REPORTER = "not_reporter"
