"""Building a queued monthly report file: the background worker's half of an export.

``services.report_export_request`` queues the job; ``tasks.build_report_export``
runs ``report_export_run`` here. Kept apart from the services so the task module,
which the services enqueue, imports only this (no cycle: docs/architecture.md).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from redprop.dashboards.choices import ExportFormat, ExportStatus
from redprop.dashboards.models import ReportExport
from redprop.dashboards.selectors import monthly_report

logger = logging.getLogger(__name__)


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
