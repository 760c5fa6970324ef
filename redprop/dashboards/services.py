"""Writes of the dashboards app: asking for a monthly report, and building it.

The export row is the trace of who exported which place's figures and when.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError, PermissionDenied
from redprop.dashboards.choices import (
    ACTIVE_EXPORT_STATES,
    REPORT_ROLES,
    ExportFormat,
    ExportStatus,
)
from redprop.dashboards.errors import DashboardError
from redprop.dashboards.models import STALE_AFTER, ReportExport
from redprop.dashboards.periods import this_month
from redprop.dashboards.selectors import monthly_report, region_get

if TYPE_CHECKING:
    from redprop.accounts.models import User

logger = logging.getLogger(__name__)


def report_language() -> str:
    """The active language (the user's, chosen by LocaleMiddleware), as a code of LANGUAGES."""
    try:
        return translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


@transaction.atomic
def report_export_request(
    *, node_id: Any, month: dt.date, fmt: str, acting_user: User
) -> ReportExport:
    """月度报表: queue the report of a street or community in the user's scope.

    The background worker builds the file after commit. Asking again for the same
    report while it is still being built returns the job already queued.
    Raises PermissionDenied (403) without a report role, NotFound (404) for a
    place outside the scope, ApplicationError (400) for a bad month or format.
    """
    scope = acting_user.scope_set(*REPORT_ROLES)
    if not scope:
        raise PermissionDenied(_("您没有导出月度报表的权限"))
    if fmt not in ExportFormat.values:
        raise ApplicationError(DashboardError.INVALID_FORMAT, _("请选择导出格式"), field="format")
    if node_id in (None, ""):
        raise ApplicationError(DashboardError.NODE_REQUIRED, _("请选择社区或街道"), field="node")
    node = region_get(scope=scope, region_id=node_id)
    month = month.replace(day=1)
    language = report_language()
    if month > this_month():
        raise ApplicationError(
            DashboardError.FUTURE_MONTH, _("不能选择尚未开始的月份"), field="month"
        )
    running = (
        ReportExport.objects.filter(
            requested_by=acting_user,
            node=node,
            month=month,
            format=fmt,
            language=language,
            status__in=ACTIVE_EXPORT_STATES,
            updated_at__gte=timezone.now() - STALE_AFTER,
        )
        .order_by("-id")
        .first()
    )
    if running is not None:
        return running
    export = ReportExport(
        requested_by=acting_user, node=node, month=month, format=fmt, language=language
    )
    export.set_place(node)
    export.save()
    transaction.on_commit(lambda: _enqueue(export.pk), robust=True)
    return export


def _enqueue(export_id: int) -> None:
    from redprop.dashboards.tasks import build_report_export

    build_report_export.enqueue(export_id=export_id)


def _progress(export_id: int, percent: int) -> None:
    """Committed at once (outside any transaction) so the polling page sees it move."""
    ReportExport.objects.filter(pk=export_id, status=ExportStatus.RUNNING).update(
        progress=min(max(int(percent), 0), 99), updated_at=timezone.now()
    )


def report_export_run(*, export_id: int) -> str:
    """Build the file of a queued export and store it under reports/ (default storage).

    The file is written in the language recorded with the job (the requester's), not
    the worker's: every label, heading and the error message go through gettext
    under ``translation.override``.

    Idempotent: a job that is not pending (already built, failed, or taken by
    another worker) is left alone. Any error marks the job failed with a message;
    nothing is half-written (the file is saved before the row says done).
    """
    with transaction.atomic():
        export = (
            ReportExport.objects.select_for_update()
            .filter(pk=export_id, status=ExportStatus.PENDING)
            .first()
        )
        if export is None:
            current = ReportExport.objects.filter(pk=export_id).values_list("status", flat=True)
            return current.first() or "missing"
        export.status = ExportStatus.RUNNING
        export.progress = 5
        export.started_at = timezone.now()
        export.save(update_fields=["status", "progress", "started_at", "updated_at"])
    with translation.override(export.language or settings.LANGUAGE_CODE):
        return _build(export_id)


def _build(export_id: int) -> str:
    try:
        export = ReportExport.objects.select_related("node").get(pk=export_id)
        report = monthly_report(
            node=export.node, month=export.month, progress=lambda p: _progress(export_id, p)
        )
        if export.format == ExportFormat.PDF:
            from redprop.dashboards.pdf import render_pdf

            data = render_pdf(report)
        else:
            from redprop.dashboards.xlsx import render_xlsx

            data = render_xlsx(report)
        _progress(export_id, 90)
        slug = slugify(export.node.code) or str(export.node.pk)
        export.file.save(
            f"report-{slug}-{export.month:%Y-%m}.{export.format}", ContentFile(data), save=False
        )
        export.status = ExportStatus.DONE
        export.progress = 100
        export.finished_at = timezone.now()
        export.save(update_fields=["file", "status", "progress", "finished_at", "updated_at"])
    except Exception as exc:
        logger.exception("report export %s failed", export_id)
        ReportExport.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED,
            error=(_("生成失败：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"})[:500],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return ExportStatus.FAILED
    return ExportStatus.DONE
