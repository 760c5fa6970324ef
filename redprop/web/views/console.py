"""派单台: the dispatcher's live queue and the request pane (社区发单)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from redprop.requests import dedupe, permissions, policies
from redprop.requests.models import ServiceRequest
from redprop.requests.permissions import DISPATCHERS
from redprop.web import presenters
from redprop.web import selectors as web_selectors
from redprop.web.access import role_required, viewable_request
from redprop.web.forms import ActionForm
from redprop.web.views.request_pages import detail_context


def _tab(value: str | None) -> str:
    return value if value in web_selectors.QUEUE_NAMES else "new"


def console_url(tab: str | None, pk: int | None = None) -> str:
    params: dict[str, Any] = {"tab": _tab(tab)}
    if pk:
        params["r"] = pk
    return f"{reverse('web:console')}?{urlencode(params)}"


def queue_context(request: HttpRequest, tab: str, selected_id: int | None) -> dict[str, Any]:
    user: Any = request.user
    now = timezone.now()
    counts = web_selectors.queue_counts(user=user)
    rows = web_selectors.queue(user=user, name=tab)
    return {
        "tab": tab,
        "tabs": [(name, label, counts[name]) for name, label in web_selectors.QUEUES],
        "rows": [
            (r, presenters.due_of(r, now=now), presenters.category_icon(r.category)) for r in rows
        ],
        "selected_id": selected_id,
        "refreshed_at": now,
    }


def pane_context(
    request: HttpRequest,
    obj: ServiceRequest,
    *,
    tab: str,
    bound: ActionForm | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """The request as the dispatcher sees it: duplicates, the suggested unit, the steps."""
    user: Any = request.user
    ctx = detail_context(request, obj, bound=bound, action=action)
    duplicates = dedupe.similar_requests(
        scope=user.scope_set(*DISPATCHERS),  # type: ignore[union-attr]
        compound_id=obj.compound_id,
        category_id=obj.category_id,
        description=obj.description,
        exclude_id=obj.pk,
    )
    route = policies.route_for(category=obj.category, place=obj, compound=obj.compound)
    dispatch = ctx["forms"].get("dispatch")
    if dispatch is not None and not dispatch.is_bound and route.org is not None:
        dispatch.initial["org"] = route.org.pk
    ctx.update(
        duplicates=[(r, round(score)) for r, score in duplicates],
        route=route,
        tab=tab,
        in_console=True,
    )
    return ctx


def _dispatchable(user: Any, pk: int) -> ServiceRequest:
    obj = viewable_request(user, pk)
    if not permissions.can_dispatch(user, obj):
        raise Http404
    return obj


def render_console(
    request: HttpRequest,
    *,
    tab: str | None,
    obj: ServiceRequest | None,
    bound: ActionForm | None = None,
    action: str | None = None,
) -> HttpResponse:
    tab = _tab(tab)
    ctx = queue_context(request, tab, obj.pk if obj else None)
    if obj is not None:
        ctx.update(pane_context(request, obj, tab=tab, bound=bound, action=action))
        ctx["has_pane"] = True
    status = bound.error_status if bound is not None else 200
    return render(request, "web/console/console.html", ctx, status=status)


@require_GET
@role_required(*DISPATCHERS)
def console(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("r", "")
    obj = _dispatchable(request.user, int(raw)) if raw.isdigit() else None
    return render_console(request, tab=request.GET.get("tab"), obj=obj)


@require_GET
@role_required(*DISPATCHERS)
def console_queue(request: HttpRequest) -> HttpResponse:
    """The queue fragment the console polls every 10 seconds."""
    raw = request.GET.get("r", "")
    ctx = queue_context(request, _tab(request.GET.get("tab")), int(raw) if raw.isdigit() else None)
    return render(request, "web/console/_queue.html", ctx)


@require_GET
@role_required(*DISPATCHERS)
def console_pane(request: HttpRequest, pk: int) -> HttpResponse:
    tab = _tab(request.GET.get("tab"))
    obj = _dispatchable(request.user, pk)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(console_url(tab, pk))
    return render(request, "web/console/_pane.html", pane_context(request, obj, tab=tab))
