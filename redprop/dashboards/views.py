"""The dashboard and report pages: thin edges over dashboards.selectors and services.

Access: the region desks (community, street, bureau, sysadmin) and a property
company's staff (own unit) see a dashboard; the region desks export reports. Any
other role gets 403; a street or community outside the user's scope, 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.scope import ScopeSet
from redprop.dashboards import selectors, services
from redprop.dashboards.charts import dashboard_charts
from redprop.dashboards.choices import (
    DASHBOARD_ROLES,
    LEVEL_LABELS,
    RATE_FIGURES,
    REPORT_ROLES,
    ExportFormat,
    ExportStatus,
)
from redprop.dashboards.models import ReportExport
from redprop.dashboards.periods import month_label, month_value, parse_month, this_month


def _rank_labels() -> dict[str, str]:
    return {key: _("按%(rate)s") % {"rate": label} for key, label, *_rest in RATE_FIGURES}


RECENT_EXPORTS = 10


def _denied(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "dashboards/denied.html", {"message": message}, status=403)


def _scope_or_none(request: HttpRequest, roles: tuple[str, ...]) -> ScopeSet | None:
    scope = request.user.scope_set(*roles)  # type: ignore[union-attr]
    return scope or None


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """数据看板: the month's rates by level, trends, categories, league and slow requests."""
    scope = _scope_or_none(request, DASHBOARD_ROLES)
    if scope is None:
        return _denied(request, _("数据看板供社区、街道、房管局和物业企业工作人员使用。"))
    node = request.GET.get("node", "").strip()
    try:
        focus = selectors.focus_for(scope=scope, node_id=node)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    ctx: dict[str, Any] = {
        "focus": focus,
        "picker": selectors.regions_for_picker(scope=scope),
        "node": node,
        "month_input": request.GET.get("month", "") or month_value(this_month()),
        "max_month": month_value(this_month()),
        "export_month": month_value(this_month()),
        "errors": {},
        "can_export": bool(request.user.scope_set(*REPORT_ROLES)),  # type: ignore[union-attr]
        "level_labels": LEVEL_LABELS,
        "rank_labels": _rank_labels(),
        "rate_figures": [(key, label) for key, label, *_rest in RATE_FIGURES],
    }
    try:
        month = parse_month(request.GET.get("month"))
    except ApplicationError as err:
        ctx["errors"] = {err.field or "month": err.message}
        return render(request, "dashboards/dashboard.html", ctx, status=err.status)
    data = selectors.dashboard(
        focus=focus,
        month=month,
        rank_by=request.GET.get("rank", ""),
        slow_order=request.GET.get("slow", ""),
    )
    ctx.update(
        data=data,
        month=month,
        month_label=month_label(month),
        month_input=month_value(month),
        export_month=month_value(month),
        charts=dashboard_charts(data),
        reach=_notices_and_campaigns(scope),
        red=selectors.red_property(focus=focus, month=month),
        red_sides=[("need", _("需求")), ("resource", _("资源")), ("total", _("合计"))],
    )
    return render(request, "dashboards/dashboard.html", ctx)


def _notices_and_campaigns(scope: Any) -> dict[str, Any]:
    """Notice reach and campaign progress by street and community (issue #17)."""
    from redprop.campaigns.selectors import progress_by
    from redprop.notices.selectors import reach_by

    return {
        level: {
            "notices": reach_by(scope=scope, level=level),
            "campaigns": progress_by(scope=scope, level=level),
        }
        for level in ("street", "community")
    }


def _only_place(picker: list[Any], user: Any) -> str:
    """The place to preselect: the only one there is, or else the one region the
    user's report roles are anchored to (a street officer's street), if listed."""
    options = [
        str(node.pk)
        for street, communities in picker
        for node in ([street] if street else []) + list(communities)
    ]
    if len(options) == 1:
        return options[0]
    anchors = {
        str(r.region_id) for r in user.active_roles if r.role in REPORT_ROLES and r.region_id
    }
    if len(anchors) == 1 and next(iter(anchors)) in options:
        return next(iter(anchors))
    return ""


def _reports_context(request: HttpRequest, scope: ScopeSet, values: dict[str, str]) -> dict:
    picker = selectors.regions_for_picker(scope=scope)
    if not values["node"] and request.method == "GET":
        values = {**values, "node": _only_place(picker, request.user)}
    return {
        "picker": picker,
        "values": values,
        "max_month": month_value(this_month()),
        "formats": ExportFormat.choices,
        "errors": {},
        "exports": list(
            ReportExport.objects.filter(requested_by_id=request.user.pk)
            .select_related("node")
            .order_by("-id")[:RECENT_EXPORTS]
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    """月度报表: pick a community or street and a month; the worker builds xlsx or PDF."""
    scope = _scope_or_none(request, REPORT_ROLES)
    if scope is None:
        return _denied(request, _("月度报表供社区、街道和房管局工作人员导出。"))
    source = request.POST if request.method == "POST" else request.GET
    values = {
        "node": source.get("node", "").strip(),
        "month": source.get("month", "").strip() or month_value(this_month()),
        "format": source.get("format", ExportFormat.XLSX),
    }
    if request.method == "GET":
        if values["node"]:
            try:
                selectors.region_get(scope=scope, region_id=values["node"])
            except NotFound as exc:
                raise Http404(exc.message) from exc
        return render(request, "dashboards/reports.html", _reports_context(request, scope, values))
    try:
        month = parse_month(values["month"])
        export = services.report_export_request(
            node_id=values["node"], month=month, fmt=values["format"], acting_user=request.user
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except PermissionDenied as exc:
        return _denied(request, exc.message)
    except ApplicationError as err:
        ctx = _reports_context(request, scope, values)
        ctx["errors"] = {err.field or "node": err.message}
        return render(request, "dashboards/reports.html", ctx, status=err.status)
    messages.success(
        request,
        _("已开始生成“%(place)s %(month)s”月度报表，完成后可在下方下载。")
        % {"place": export.node.name, "month": month_label(export.month)},
    )
    query = urlencode(
        {"node": str(export.node_id), "month": month_value(export.month), "format": export.format}
    )
    return redirect(f"{reverse('dashboards:reports')}?{query}#export-{export.pk}")


def _export_for(request: HttpRequest, export_id: int) -> ReportExport | HttpResponse:
    """The export if the user asked for it or a report role's scope covers its place."""
    scope = request.user.scope_set(*REPORT_ROLES)  # type: ignore[union-attr]
    if not scope:
        return _denied(request, _("您没有查看月度报表的权限。"))
    export = ReportExport.objects.select_related("node").filter(pk=export_id).first()
    if export is not None and export.requested_by_id == request.user.pk:
        return export
    if export is None or not selectors.region_in_scope(scope, export):
        raise Http404(_("报表不存在或不在您的管辖范围内"))
    return export


@login_required
@require_GET
def export_status(request: HttpRequest, export_id: int) -> HttpResponse:
    """One row of the export list (htmx polls it every 2 s while the job runs)."""
    export = _export_for(request, export_id)
    if isinstance(export, HttpResponse):
        return export
    return render(request, "dashboards/_export_row.html", {"e": export})


@login_required
@require_GET
def export_download(request: HttpRequest, export_id: int) -> HttpResponse | FileResponse:
    """The file, through this permission check (reports are never public media URLs)."""
    export = _export_for(request, export_id)
    if isinstance(export, HttpResponse):
        return export
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404(_("报表尚未生成完成"))
    content_type = {
        ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ExportFormat.PDF: "application/pdf",
    }[ExportFormat(export.format)]
    response = FileResponse(
        default_storage.open(export.file.name, "rb"),
        as_attachment=True,
        filename=export.download_name,
        content_type=content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
