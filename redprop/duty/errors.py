import enum


class DutyError(enum.StrEnum):
    NOT_A_COMPANY = "duty_org_not_a_company"
    NOT_STAFF = "duty_not_staff"
    PLACE_LEVEL = "duty_place_level"
    PLACE_NOT_SERVED = "duty_place_not_served"
    SAME_START_END = "duty_end_equals_start"
    NO_WEEKDAY = "duty_no_weekday"
    EVERY_WEEKS = "duty_every_weeks"
    DATES = "duty_dates_out_of_order"
    OVERLAP = "duty_overlap"
    NOT_EDITABLE = "duty_not_editable"
    ROTA_MEMBERS = "duty_rota_members"
    ROTA_NOT_OFFICE = "duty_rota_office"
    HANDOVER_TWICE = "duty_handover_twice"
    HANDOVER_NO_SHIFT = "duty_handover_no_shift"
    HANDOVER_NO_SUCCESSOR = "duty_handover_no_successor"
    HANDOVER_TRANSITION = "duty_handover_transition"
    RANGE = "duty_range"
