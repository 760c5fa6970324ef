"""Monthly report exports (月度报表导出): one row per requested file."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from redprop.core.models import ScopedModel
from redprop.dashboards.choices import ACTIVE_EXPORT_STATES, ExportFormat, ExportStatus

# A job that has not moved for this long is shown as interrupted (the worker died).
STALE_AFTER = dt.timedelta(minutes=30)


def export_path(instance: ReportExport, filename: str) -> str:
    """reports/<yyyy>/<mm>/<random>/<file>: never guessable, never listed."""
    return f"reports/{instance.month:%Y/%m}/{secrets.token_hex(12)}/{filename}"


class ReportExport(ScopedModel):
    """A monthly report of a community or street, built by the background worker.

    The place columns are copied from ``node`` so that a desk role's scope decides
    who else may download it (the requester always may).
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    node = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name=_("社区/街道")
    )
    month = models.DateField(_("月份"))  # first day of the month
    format = models.CharField(_("格式"), max_length=8, choices=ExportFormat.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    file = models.FileField(_("文件"), upload_to=export_path, max_length=255, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    # The language of the user who asked: the worker builds the file in it.
    language = models.CharField(
        _("语言"), max_length=16, default="zh-hans", help_text=_("报表按申请人的界面语言生成")
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报表导出")
        verbose_name_plural = _("报表导出")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-id"], name="export_by_user")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_max"),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.DONE) | ~Q(file=""), name="export_done_has_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node} {self.month:%Y-%m} {self.format}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_EXPORT_STATES and not self.is_stale

    @property
    def is_stale(self) -> bool:
        return (
            self.status in ACTIVE_EXPORT_STATES
            and self.updated_at is not None
            and timezone.now() - self.updated_at > STALE_AFTER
        )

    @property
    def download_name(self) -> str:
        """The file name the browser saves, in the report's language:
        红星社区-2026年11月-诉求办理月报.xlsx (English: 红星社区-2026-11-monthly-report.xlsx)."""
        from redprop.dashboards.periods import month_label

        with translation.override(self.language or settings.LANGUAGE_CODE):
            return translation.gettext("%(place)s-%(month)s-诉求办理月报.%(ext)s") % {
                "place": self.node.name,
                "month": month_label(self.month),
                "ext": self.format,
            }
