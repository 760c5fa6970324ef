"""One request: its page (/r/<id>/), its photos, and every step taken on it."""

from __future__ import annotations

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
from redprop.requests.models import ServiceRequest
from redprop.web.access import role_required, viewable_request
from redprop.web.action_forms import DONE_MESSAGES, action_form, done_message
from redprop.web.views.console import console_url, next_in_queue, render_console
from redprop.web.views.detail import detail_context


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
