from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarKind(models.TextChoices):
    ALWAYS = "24x7", _("全天候（自然时间）")
    WORKING_HOURS = "working_hours", _("工作时间")


class DayKind(models.TextChoices):
    OFF = "off", _("放假")
    WORKDAY = "workday", _("调休上班")


class YearStatus(models.TextChoices):
    """Whether a year's table was checked against the State Council's notice."""

    OFFICIAL = "official", _("已按国务院通知核对")
    PROVISIONAL = "provisional", _("暂定（未核对通知）")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("星期一")
    TUESDAY = 1, _("星期二")
    WEDNESDAY = 2, _("星期三")
    THURSDAY = 3, _("星期四")
    FRIDAY = 4, _("星期五")
    SATURDAY = 5, _("星期六")
    SUNDAY = 6, _("星期日")
