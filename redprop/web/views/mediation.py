"""Mediation's phone pages: the mediator's case list and case page, the party's view of
their case, the desk's petition intake, and 转调解 from a request page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.mediation import permissions, presenters, selectors, services
from redprop.mediation.choices import EventKind
from redprop.mediation.workflow import available
from redprop.web.access import role_required
from redprop.web.mediation_forms import ACTION_FORMS, IntakeForm

GROUPS = {
    "mediator": gettext_lazy("调解办理"),
    "supervisor": gettext_lazy("调解办理"),
    "applicant": gettext_lazy("我的操作"),
    "party": gettext_lazy("我的操作"),
}


@require_GET
@role_required()
def case_list(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    tab = request.GET.get("tab", "open")
    if tab not in ("open", "mine", "overdue", "all"):
        tab = "open"
    rows = selectors.case_list(
        user=user,
        status="open" if tab in ("open", "mine") else "",
        mine=tab == "mine",
        overdue=tab == "overdue",
        limit=100,
    )
    return render(
        request,
        "mediation/case_list.html",
        {
            "rows": rows,
            "tab": tab,
            "now": clock.now(),
            "can_intake": user.has_role(*permissions.INTAKE_ROLES),
        },
    )


# The page's order: the step that moves the case on first (it opens unfolded).
PAGE_ORDER = [
    "accept",
    "session",
    "agree",
    "follow_up",
    "answer",
    "rate",
    "sign",
    "assign",
    "extend",
    "refer",
    "decline",
    "withdraw",
]


def _forms_for(
    user: Any, case: Any, *, bound: Any = None, action: str = ""
) -> list[tuple[str, Any]]:
    out = []
    for name in sorted(available(user, case), key=PAGE_ORDER.index):
        form_class = ACTION_FORMS[name]
        if bound is not None and name == action:
            out.append((name, bound))
        else:
            out.append((name, form_class(case=case, acting_user=user, prefix=name)))
    return out


def _context(
    request: HttpRequest, case: Any, view: str, *, bound: Any = None, action: str = ""
) -> dict[str, Any]:
    user: Any = request.user
    data = presenters.case_dict(case, user, view)
    labels = dict(EventKind.choices)
    for e in data["events"]:
        e["label"] = labels.get(e["kind"], e["kind"])
    return {
        "c": case,
        "d": data,
        "file_view": view == permissions.View.FILE,
        "forms": _forms_for(user, case, bound=bound, action=action),
        "bound_action": action,
        "now": clock.now(),
    }


@require_GET
@role_required()
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        case, view = services.case_file_open(case_id=pk, acting_user=request.user, context="page")
    except ApplicationError as err:
        raise Http404 from err
    return render(request, "mediation/case_detail.html", _context(request, case, view))


@require_POST
@role_required()
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    case = selectors.case_queryset().filter(selectors.visible_q(request.user), pk=pk).first()
    view = permissions.view_of(request.user, case) if case is not None else None
    if case is None or view is None:
        raise Http404
    form = form_class(
        request.POST, request.FILES, case=case, acting_user=request.user, prefix=action
    )
    if form.is_valid():
        messages.success(request, _("已保存"))
        return redirect("mediation:case_detail", pk=pk)
    # The page shown again with the error is a read of the file like any other (logged).
    fresh, view = services.case_file_open(case_id=pk, acting_user=request.user, context="page")
    return render(
        request,
        "mediation/case_detail.html",
        _context(request, fresh, view, bound=form, action=action),
        status=form.error_status,
    )


@require_http_methods(["GET", "POST"])
@role_required(*permissions.INTAKE_ROLES)
def intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None, acting_user=request.user)
    if request.method == "POST":
        if form.is_valid():
            messages.success(request, _("已登记 %(number)s") % {"number": form.result.number})
            return redirect("mediation:case_detail", pk=form.result.pk)
        return render(request, "mediation/intake.html", {"form": form}, status=form.error_status)
    return render(request, "mediation/intake.html", {"form": form})


@require_POST
@role_required(Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN)
def from_request(request: HttpRequest, pk: int) -> HttpResponse:
    """转调解 from the request page: one step, then the new case's page."""
    from redprop.requests.models import ServiceRequest

    obj = ServiceRequest.objects.filter(pk=pk).first()
    if obj is None or not permissions.can_open_from_request(request.user, obj):
        raise Http404
    try:
        case = services.case_from_request(
            request=obj,
            dispute_type=request.POST.get("dispute_type") or "property_service",
            acting_user=request.user,
        )
    except ApplicationError as err:
        messages.error(request, err.message)
        return redirect("web:request_detail", pk=pk)
    messages.success(request, _("已转调解 %(number)s") % {"number": case.number})
    return redirect("mediation:case_detail", pk=case.pk)
