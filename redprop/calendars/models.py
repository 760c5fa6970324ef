"""Working calendars as data (计时日历): holiday tables, their years and days, and
calendars with their periods per weekday. ``requests`` (deadlines) and ``duty``
(the roster's working days) both read them; this app imports neither."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.calendars.choices import CalendarKind, DayKind, Weekday, YearStatus


def validate_tz(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("未知的时区：%(tz)s"), params={"tz": value}, code="invalid_tz")


class HolidayTable(models.Model):
    """A holiday table (节假日安排表): mainland China's is ``CN``."""

    code = models.SlugField(_("代码"), max_length=16, unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        verbose_name = _("节假日安排表")
        verbose_name_plural = _("节假日安排表")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class HolidayYear(models.Model):
    """One year of a table, loaded: its days are complete for that year."""

    table = models.ForeignKey(
        HolidayTable, models.PROTECT, related_name="years", verbose_name=_("安排表")
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    status = models.CharField(
        _("状态"), max_length=16, choices=YearStatus.choices, default=YearStatus.OFFICIAL
    )
    source = models.CharField(
        _("来源"),
        max_length=200,
        help_text=_("例如：国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔2026〕X号）"),
    )
    loaded_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["table", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["table", "year"], name="one_holiday_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="holiday_year_range",
                violation_error_message=_("年份须在 2000 至 2100 之间"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.table.code} {self.year}"


class SpecialDay(models.Model):
    """A day off (放假) or an adjusted working day (调休上班) of a loaded year."""

    year = models.ForeignKey(
        HolidayYear, models.CASCADE, related_name="days", verbose_name=_("年度")
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("节假日或调休日")
        verbose_name_plural = _("节假日与调休日")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["year", "date"], name="one_special_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class WorkCalendar(models.Model):
    """A calendar deadlines are counted in: 24×7, or working hours per weekday with
    a holiday table, in a time zone. Policies and their targets point to one."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(
        _("类型"), max_length=16, choices=CalendarKind.choices, default=CalendarKind.WORKING_HOURS
    )
    tz = models.CharField(
        _("时区"), max_length=64, default="Asia/Shanghai", validators=[validate_tz]
    )
    holidays = models.ForeignKey(
        HolidayTable,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="calendars",
        verbose_name=_("节假日安排表"),
        help_text=_("留空则不放节假日"),
    )

    class Meta:
        verbose_name = _("计时日历")
        verbose_name_plural = _("计时日历")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class WorkPeriod(models.Model):
    """A working period of one weekday, ``[starts_at, ends_at)`` local time."""

    calendar = models.ForeignKey(
        WorkCalendar, models.CASCADE, related_name="periods", verbose_name=_("日历")
    )
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    starts_at = models.TimeField(_("开始"))
    ends_at = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("工作时段")
        verbose_name_plural = _("工作时段")
        ordering = ["weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="period_order",
                violation_error_message=_("工作时段的开始须早于结束"),
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="period_weekday"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"
