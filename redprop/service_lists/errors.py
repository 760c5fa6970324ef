import enum


class ServiceListError(enum.StrEnum):
    INVALID_TRANSITION = "service_item_invalid_transition"
    ALREADY_CLAIMED = "service_item_already_claimed"
    BAD_PLACE = "service_item_bad_place"
    PLACE_OUT_OF_SCOPE = "service_item_place_out_of_scope"
    BAD_DUE_DATE = "service_item_bad_due_date"
    BAD_PERSON = "service_item_bad_person"
    BAD_ORG = "service_item_bad_org"
    EVIDENCE_REQUIRED = "service_item_evidence_required"
    REASON_REQUIRED = "service_item_reason_required"
    ALREADY_LINKED = "service_item_already_linked"
    BAD_CATEGORY = "service_item_bad_category"
    EMPTY = "service_item_empty"
