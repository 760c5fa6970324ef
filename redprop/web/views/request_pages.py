"""One request: its page (/r/<id>/), its photos, and every step taken on it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from redprop.accounts.choices import Role
from redprop.contact import services as contact_services
from redprop.contact.services import contact_mode
from redprop.core.errors import ApplicationError
from redprop.requests import permissions, services, workflow
from redprop.requests.choices import OPEN_STATES
from redprop.requests.models import ServiceRequest
from redprop.web import presenters
from redprop.web.access import role_required, viewable_request
from redprop.web.action_forms import DONE_MESSAGES, ActionForm, action_form, done_message

# The order the actions appear in; the first available one of PRIMARY is the big button.
ACTION_ORDER = [
    "accept",
    "arrive",
    "resume",
    "resolve",
    "submit_plan",
    "require_plan",
    "pause",
    "return",
    "rate",
    "reopen",
    "dispatch",
    "merge",
    "escalate",
    "revisit",
    "close",
    "cancel",
]
HANDLER_ACTIONS = [
    "accept",
    "arrive",
    "resume",
    "resolve",
    "submit_plan",
    "require_plan",
    "pause",
    "return",
    "escalate",
]
DISPATCHER_ACTIONS = ["dispatch", "merge", "escalate", "revisit", "reopen", "close", "cancel"]
REPORTER_ACTIONS = ["rate", "reopen", "cancel"]


def _then_the_rest(order: list[str], relationship: str | None = None) -> list[str]:
    """``order``, then the table's other rows (open to ``relationship``), in table order:
    a new row shows on the page without being listed here."""
    rest = [
        name
        for name, row in workflow.WORKFLOW.actions.items()
        if name not in order and (relationship is None or relationship in row.who)
    ]
    return [*order, *rest]


def available_actions(user: Any, obj: ServiceRequest) -> dict[str, set[str]]:
    """The steps ``user`` may take on ``obj`` now, by who they act as (handler,
    dispatcher, reporter): ``workflow.ACTIONS``, the table the services check, so
    the page offers exactly what the services allow. A step open to both the
    dispatcher and the reporter (cancel) is shown once, in the dispatcher's box.
    """
    out: dict[str, set[str]] = {"handler": set(), "dispatcher": set(), "reporter": set()}
    for name, relationships in workflow.available(user, obj).items():
        if "dispatcher" in relationships:
            out["dispatcher"].add(name)
            relationships = relationships - {"reporter"}
        for rel in relationships:
            out[rel].add(name)
    out["handler"] -= out["dispatcher"]  # escalate: the dispatcher's box when both
    return out


def detail_context(
    request: HttpRequest,
    obj: ServiceRequest,
    *,
    bound: ActionForm | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    """What the request page and the console pane show, with a form for each step."""
    user: Any = request.user
    events = list(obj.events.all())
    view = permissions.view_of(user, obj)
    public = view == permissions.View.PUBLIC
    by_role = available_actions(user, obj)
    allowed = set().union(*by_role.values())
    forms: dict[str, ActionForm] = {}
    # Read from the table at each page, not at import: the table is the truth.
    handler_order = _then_the_rest(HANDLER_ACTIONS, "handler")
    for name in _then_the_rest(ACTION_ORDER):
        if name not in allowed:
            continue
        if bound is not None and name == action:
            forms[name] = bound
        else:
            forms[name] = action_form(name)(obj=obj, acting_user=user, prefix=name)
    page_errors: list[str] = []
    if bound is not None and action not in forms:
        # The step is no longer possible (someone else acted first): say why at the top.
        page_errors = [str(e) for errors in bound.errors.values() for e in errors]
    photos = list(obj.photos.all())
    primary = next((a for a in handler_order[:4] if a in forms), None)
    handler_forms = [
        (n, forms[n])
        for n in handler_order
        if n in forms and n != primary and n in by_role["handler"]
    ]
    handler_names = {n for n, _form in handler_forms} | {primary}
    return {
        "r": obj,
        "due": presenters.due_of(obj, events=events),
        # A follower sees the unit, not the person handling it nor their phone.
        "contact": presenters.handler_contact(
            obj,
            named=not public,
            show_work_phone=permissions.can_contact_handler(user, obj)
            or (view == permissions.View.STAFF and obj.status in OPEN_STATES),
        ),
        "can_contact_reporter": permissions.can_contact_reporter(user, obj),
        "contact_mode": contact_mode(),
        "contact_result": None,
        "contact_error": "",
        "timeline": list(reversed(presenters.timeline(obj, viewer=user, view=view))),
        "photos_before": [] if public else [p for p in photos if p.kind == "before"],
        "photos_after": [] if public else [p for p in photos if p.kind == "after"],
        "forms": forms,
        "handler_forms": handler_forms,
        "primary": (primary, forms[primary]) if primary else None,
        # A step offered as the handler is not offered again as the dispatcher (escalate):
        # one form per step on the page.
        "dispatcher_forms": [
            (n, forms[n])
            for n in _then_the_rest(DISPATCHER_ACTIONS, "dispatcher")
            if n in by_role["dispatcher"] and n not in handler_names
        ],
        "reporter_forms": [
            (n, forms[n])
            for n in _then_the_rest(REPORTER_ACTIONS, "reporter")
            if n in by_role["reporter"]
        ],
        "bound_action": action if bound is not None else None,
        "page_errors": page_errors,
        "staff_view": view == permissions.View.STAFF,
        "public_view": public,
        "is_reporter": permissions.is_reporter(user, obj),
        "icon": presenters.category_icon(obj.category),
    }


@require_GET
@role_required()
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = viewable_request(request.user, pk)
    return render(request, "web/request_detail.html", detail_context(request, obj))


@require_POST
@role_required()
def request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one step (accept, resolve, rate, dispatch…) through its service."""
    if action not in workflow.WORKFLOW.actions:
        raise Http404
    form_class = action_form(action)
    obj = viewable_request(request.user, pk)
    form = form_class(request.POST, request.FILES, obj=obj, acting_user=request.user, prefix=action)
    in_console = request.POST.get("next") == "console" and request.user.has_role(  # type: ignore[union-attr]
        Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN
    )
    if form.is_valid():
        messages.success(request, done_message(action))
        if in_console:
            from redprop.web.views.console import console_url, next_in_queue

            # Show what was done and move on to the next request of the tab.
            tab = request.POST.get("tab")
            return redirect(
                console_url(tab, next_in_queue(request.user, tab, after_done=pk), done=pk)
            )
        try:
            viewable_request(request.user, pk)
        except Http404:
            # A worker named outside their own scope who hands the order back no
            # longer sees it: back to their orders, with the message.
            return redirect("web:home")
        return redirect("web:request_detail", pk=pk)
    fresh = viewable_request(request.user, pk)
    if in_console:
        from redprop.web.views.console import render_console

        return render_console(
            request, tab=request.POST.get("tab"), obj=fresh, bound=form, action=action
        )
    return render(
        request,
        "web/request_detail.html",
        detail_context(request, fresh, bound=form, action=action),
        status=form.error_status,
    )


@require_POST
@role_required()
def request_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """联系居民: the order's current handler gets the reporter's number for this order
    (or a masked-number bridge), logged; anyone else gets 403 (ADR 0014)."""
    obj = viewable_request(request.user, pk)
    status, error, result = 200, "", None
    try:
        result = contact_services.contact_reporter(request=obj, acting_user=request.user)
    except ApplicationError as err:
        status, error = err.status, err.message
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "web/request/_contact.html",
            {
                "r": obj,
                "contact_result": result,
                "contact_error": error,
                "contact_mode": contact_mode(),
                "can_contact_reporter": result is not None
                or permissions.can_contact_reporter(request.user, obj),
            },
            status=status,
        )
    context = detail_context(request, obj)
    context.update(contact_result=result, contact_error=error)
    return render(request, "web/request_detail.html", context, status=status)


@require_POST
@role_required(Role.RESIDENT)
def request_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """一起关注: a resident of the same compound follows a request about the same problem."""
    obj = ServiceRequest.objects.select_related("compound").filter(pk=pk).first()
    if obj is None or not (
        permissions.can_follow(request.user, obj) or permissions.is_reporter(request.user, obj)
    ):
        raise Http404
    status, error = 200, ""
    try:
        services.request_follow(request=obj, acting_user=request.user)
    except ApplicationError as err:
        status, error = err.status, err.message
    if request.htmx:  # type: ignore[attr-defined]
        return render(
            request,
            "web/filing/_followed.html",
            {"r": obj, "error": error},
            status=status,
        )
    if error:
        messages.error(request, error)
        return redirect("web:file_request")
    messages.success(request, DONE_MESSAGES["follow"])
    return redirect(reverse("web:request_detail", args=[pk]))


@require_GET
@role_required()
def request_photo(request: HttpRequest, pk: int, photo_id: int) -> HttpResponseBase:
    """A photo of a request, only to those who may see the request (never a public URL)
    and not to a follower (it may show the reporter's home)."""
    obj = viewable_request(request.user, pk)
    photo = next((p for p in obj.photos.all() if p.pk == photo_id), None)
    if photo is None or permissions.view_of(request.user, obj) == permissions.View.PUBLIC:
        raise Http404
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
