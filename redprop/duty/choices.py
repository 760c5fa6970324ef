"""Vocabularies of the duty roster (值班排班)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Duty(models.TextChoices):
    """What the person on duty does. Maintenance duty feeds the request assignment.

    The roadmap's 轮值坐班 (community staff sitting in the property office by
    rotation) will add a value here ("office"), with the residents' committee as
    the rostering organisation; nothing else in the model changes.
    """

    MAINTENANCE = "maintenance", _("维修值班")
    BUTLER = "butler", _("管家值班")


class ShiftKind(models.TextChoices):
    REGULAR = "regular", _("常规班次")
    ON_CALL = "on_call", _("夜间值班（备勤）")


class DayRule(models.TextChoices):
    """Which of the ticked weekdays a shift runs on, after China's working calendar
    (``redprop.calendars.selectors.is_working_day``: statutory holidays off, 调休
    weekend working days on)."""

    ALL = "all", _("所选星期每天")
    WORKING = "working", _("仅工作日（节假日不排，调休上班日排）")
    REST = "rest", _("仅休息日（周末及法定节假日）")


# Monday = bit 0 … Sunday = bit 6 (date.weekday()).
WEEKDAY_LABELS = (
    _("周一"),
    _("周二"),
    _("周三"),
    _("周四"),
    _("周五"),
    _("周六"),
    _("周日"),
)
ALL_WEEK = 0b1111111
MON_TO_FRI = 0b0011111
MAX_EVERY_WEEKS = 8

# Where each kind of shift may be placed.
PLACE_LEVELS = {
    ShiftKind.REGULAR: frozenset({"grid", "community"}),
    ShiftKind.ON_CALL: frozenset({"community", "street"}),
}
