"""派单台: the dispatcher's live queue and the request pane (社区发单)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from redprop.core.inputs import parse_id
from redprop.requests import dedupe, permissions, policies
from redprop.requests import selectors as request_selectors
from redprop.requests.models import ServiceRequest
from redprop.requests.permissions import DISPATCHERS
from redprop.web import presenters
from redprop.web import selectors as web_selectors
from redprop.web.access import role_required, viewable_request
from redprop.web.action_forms import ActionForm, DispatchForm
from redprop.web.views.detail import detail_context


def _tab(value: str | None) -> str:
    return value if value in web_selectors.QUEUE_NAMES else "new"


def console_url(tab: str | None, pk: int | None = None, *, done: int | None = None) -> str:
    params: dict[str, Any] = {"tab": _tab(tab)}
    if pk:
        params["r"] = pk
    if done:
        params["done"] = done
    return f"{reverse('web:console')}?{urlencode(params)}"


def next_in_queue(user: Any, tab: str | None, after_done: int) -> int | None:
    """The request to show after one was handled in the console: the first of the tab
    (the oldest waiting, or the newest breach) other than the one just handled."""
    page = web_selectors.queue(user=user, name=_tab(tab), limit=2)
    return next((r.pk for r in page.rows if r.pk != after_done), None)


def done_context(user: Any, raw: str | None) -> dict[str, Any]:
    """What was just done in the console (``?done=<id>``): where the request went, to
    whom, and its new deadline, so the dispatcher sees the result before moving on."""
    pk = _id(raw)
    if pk is None:
        return {}
    obj = request_selectors.request_for_user(user=user, request_id=pk)
    if obj is None or not permissions.can_view(user, obj):
        return {}
    return {"done": obj, "done_due": presenters.due_of(obj)}


def _id(value: str | None) -> int | None:
    """A cursor or request id from the query string (anything else is ignored)."""
    return parse_id(value)


def _rows(page: web_selectors.QueuePage, now: Any) -> list[tuple[Any, Any, str]]:
    return [
        (r, presenters.due_of(r, now=now), presenters.category_icon(r.category)) for r in page.rows
    ]


def queue_context(
    request: HttpRequest,
    tab: str,
    selected_id: int | None,
    *,
    after: int | None = None,
    through: int | None = None,
) -> dict[str, Any]:
    """One tab of the queue: its first page (or the page after ``after``), or, for the
    polling refresh, every row the page shows through ``through``; the counts of all tabs.
    """
    user: Any = request.user
    now = timezone.now()
    counts = web_selectors.queue_counts(user=user)
    page = web_selectors.queue(user=user, name=tab, after=after, through=through)
    return {
        "tab": tab,
        "tabs": [(name, label, counts[name]) for name, label in web_selectors.QUEUES],
        "rows": _rows(page, now),
        "page": page,
        "page_after": after,  # a following page opened without htmx (?after=)
        "through": page.last_id or after,
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
    dispatch = ctx["forms"].get("dispatch")
    route = getattr(dispatch, "route", None) or policies.route_for(
        category=obj.category, place=obj, compound=obj.compound
    )
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


def _office_on_duty(user: Any) -> list[Any]:
    """坐班值守: who sits in the property offices of the dispatcher's scope now (duty)."""
    from redprop.duty.selectors import office_on_duty_in_scope

    return office_on_duty_in_scope(scope=user.scope_set(*DISPATCHERS))


def render_console(
    request: HttpRequest,
    *,
    tab: str | None,
    obj: ServiceRequest | None,
    bound: ActionForm | None = None,
    action: str | None = None,
) -> HttpResponse:
    tab = _tab(tab)
    ctx = queue_context(request, tab, obj.pk if obj else None, after=_id(request.GET.get("after")))
    ctx.update(done_context(request.user, request.GET.get("done")))
    ctx["office_on_duty"] = _office_on_duty(request.user)
    if obj is not None:
        ctx.update(pane_context(request, obj, tab=tab, bound=bound, action=action))
        ctx["has_pane"] = True
    status = bound.error_status if bound is not None else 200
    return render(request, "web/console/console.html", ctx, status=status)


@require_GET
@role_required(*DISPATCHERS)
def console(request: HttpRequest) -> HttpResponse:
    pk = parse_id(request.GET.get("r"))
    obj = _dispatchable(request.user, pk) if pk else None
    return render_console(request, tab=request.GET.get("tab"), obj=obj)


@require_GET
@role_required(*DISPATCHERS)
def console_queue(request: HttpRequest) -> HttpResponse:
    """The queue fragment: a tab switch, or the refresh the console polls every 10 seconds.

    The poll sends ``through``, the last row the page shows, so the rows loaded with
    "load more" stay (see ``web_selectors.queue``).
    """
    g = request.GET
    ctx = queue_context(
        request,
        _tab(g.get("tab")),
        _id(g.get("r")),
        after=_id(g.get("after")),
        through=_id(g.get("through")),
    )
    return render(request, "web/console/_queue.html", ctx)


@require_GET
@role_required(*DISPATCHERS)
def console_queue_more(request: HttpRequest) -> HttpResponse:
    """The next page of a tab (加载更多): its rows and a new "load more" row, which
    htmx puts in place of the old one. Without htmx the link opens the console page
    showing that page instead.
    """
    tab = _tab(request.GET.get("tab"))
    after = _id(request.GET.get("after"))
    if not request.htmx:  # type: ignore[attr-defined]
        params = {"tab": tab, **({"after": after} if after else {})}
        return redirect(f"{reverse('web:console')}?{urlencode(params)}")
    page = web_selectors.queue(user=request.user, name=tab, after=after)
    ctx = {
        "tab": tab,
        "rows": _rows(page, timezone.now()),
        "page": page,
        "through": page.last_id or after,
        "selected_id": _id(request.GET.get("r")),
    }
    return render(request, "web/console/_queue_more.html", ctx)


@require_GET
@role_required(*DISPATCHERS)
def console_pane(request: HttpRequest, pk: int) -> HttpResponse:
    tab = _tab(request.GET.get("tab"))
    obj = _dispatchable(request.user, pk)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect(console_url(tab, pk))
    return render(request, "web/console/_pane.html", pane_context(request, obj, tab=tab))


@require_GET
@role_required(*DISPATCHERS)
def console_people(request: HttpRequest, pk: int) -> HttpResponse:
    """The handler picker of the dispatch form for the unit chosen (htmx, on change)."""
    obj = _dispatchable(request.user, pk)
    org = _id(request.GET.get("dispatch-org") or request.GET.get("org"))
    form = DispatchForm(obj=obj, acting_user=request.user, prefix="dispatch", initial={"org": org})
    return render(request, "web/_field.html", {"field": form["assignee"]})
