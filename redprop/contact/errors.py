import enum


class ContactError(enum.StrEnum):
    NOT_ALLOWED = "contact_not_allowed"
    NO_NUMBER = "contact_no_number"
    NO_WORK_PHONE = "contact_no_work_phone"
    GATEWAY_FAILED = "contact_gateway_failed"
