"""Vocabularies of the duty roster (值班排班)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Duty(models.TextChoices):
    """What the person on duty does. Maintenance duty feeds the request assignment.

    ``office`` is 轮值坐班: community staff (or the company's own desk) sitting in a
    property office by a rota (``Rota``), with the residents' committee or the
    company as the rostering organisation (docs/adr/0031-duty-rotation.md). The
    assignment policy reads maintenance duty only; office duty is what residents
    see as 今日值班 and the dispatcher as 坐班值守.
    """

    MAINTENANCE = "maintenance", _("维修值班")
    BUTLER = "butler", _("管家值班")
    OFFICE = "office", _("轮值坐班")


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


class RotaMode(models.TextChoices):
    """How a rota passes the seat from one member to the next (轮值方式)."""

    DAILY = "daily", _("按天轮值")
    WEEKLY = "weekly", _("按周轮值")


# A rota turns into weekly patterns of at most MAX_EVERY_WEEKS weeks, so it holds at
# most that many members (docs/adr/0031-duty-rotation.md).
MAX_ROTA_MEMBERS = MAX_EVERY_WEEKS


class HandOverStatus(models.TextChoices):
    """交接班: written by the outgoing worker, acknowledged by the incoming one."""

    PENDING = "pending", _("待接班")
    ACKNOWLEDGED = "acknowledged", _("已接班")


HANDOVER_TRANSITIONS: dict[str, frozenset[str]] = {
    HandOverStatus.PENDING: frozenset({HandOverStatus.ACKNOWLEDGED}),
    HandOverStatus.ACKNOWLEDGED: frozenset(),
}


class HandOverEventKind(models.TextChoices):
    WRITTEN = "written", _("交班")
    ACKNOWLEDGED = "acknowledge", _("接班")
