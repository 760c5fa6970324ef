import enum


class CalendarError(enum.StrEnum):
    NO_TABLE = "calendar_no_holiday_table"
    YEAR_RANGE = "calendar_year_out_of_range"
    DAY_OUTSIDE_YEAR = "calendar_day_outside_year"
    DAY_KIND = "calendar_day_kind"
    DUPLICATE_DAY = "calendar_duplicate_day"
    SOURCE_REQUIRED = "calendar_source_required"
    BAD_FILE = "calendar_bad_file"
