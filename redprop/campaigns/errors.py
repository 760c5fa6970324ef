import enum


class CampaignError(enum.StrEnum):
    EMPTY = "campaign_empty"
    BAD_AREA = "campaign_bad_area"
    AREA_OUT_OF_SCOPE = "campaign_area_out_of_scope"
    BAD_PERIOD = "campaign_bad_period"
    BAD_CHECKLIST = "campaign_bad_checklist"
    BAD_UNIT = "campaign_bad_unit"
    CLOSED = "campaign_closed"
    OUTSIDE_AREA = "campaign_item_outside_area"
    OUTSIDE_PERIOD = "campaign_item_outside_period"
    BAD_PLACE = "campaign_item_bad_place"
    NOT_A_UNIT = "campaign_item_unit_not_participating"
    PHOTO_REQUIRED = "campaign_item_photo_required"
    SAME_PERSON = "campaign_item_verified_by_fixer"
    INVALID_TRANSITION = "campaign_item_invalid_transition"
    ALREADY_LINKED = "campaign_item_already_linked"
