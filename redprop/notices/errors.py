import enum


class NoticeError(enum.StrEnum):
    EMPTY = "notice_empty"
    BAD_TARGET = "notice_bad_target"
    TARGET_OUT_OF_SCOPE = "notice_target_out_of_scope"
    BAD_WINDOW = "notice_bad_window"
    INVALID_TRANSITION = "notice_invalid_transition"
    BAD_ATTACHMENT = "notice_bad_attachment"
    TOO_MANY_ATTACHMENTS = "notice_too_many_attachments"
