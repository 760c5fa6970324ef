"""Writes of the dashboards app: asking for a monthly report (the worker builds it:
``dashboards.exports``, run by ``dashboards.tasks``).

The export row is the trace of who exported which place's figures and when.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError, PermissionDenied
from redprop.dashboards.choices import (
    ACTIVE_EXPORT_STATES,
    REPORT_ROLES,
    ExportFormat,
)
from redprop.dashboards.errors import DashboardError
from redprop.dashboards.models import STALE_AFTER, ReportExport
from redprop.dashboards.periods import this_month
from redprop.dashboards.selectors import region_get
from redprop.dashboards.tasks import build_report_export

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
    build_report_export.enqueue(export_id=export_id)
