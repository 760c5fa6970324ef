"""我的数据: the resident downloads their own data and asks for its deletion (PIPL arts. 44–47)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.privacy import selectors as privacy_selectors
from redprop.privacy import services as privacy
from redprop.web import selectors as web_selectors
from redprop.web.access import role_required


def _page(request: HttpRequest, *, error: ApplicationError | None = None) -> HttpResponse:
    user: Any = request.user
    person = user.person
    return render(
        request,
        "web/resident/my_data.html",
        {
            "person": person,
            "units": list(web_selectors.household_units(user=user)),
            "erasures": privacy_selectors.erasure_requests_of(person=person) if person else [],
            "pending": privacy_selectors.erasure_pending(person=person) if person else None,
            "error": error,
            "reason": request.POST.get("reason", "") if error else "",
        },
        status=error.status if error else 200,
    )


@require_GET
@role_required(Role.RESIDENT)
def my_data(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@role_required(Role.RESIDENT)
def my_data_download(request: HttpRequest) -> HttpResponse:
    """A POST (not a link) so that no prefetch writes a self-access to the PII log."""
    try:
        data = privacy.personal_data_export(acting_user=request.user)
    except ApplicationError as err:
        return _page(request, error=err)
    response = HttpResponse(
        privacy.personal_data_json(data), content_type="application/json; charset=utf-8"
    )
    name = f"my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@role_required(Role.RESIDENT)
def my_data_erase(request: HttpRequest) -> HttpResponse:
    try:
        privacy.erasure_request_create(
            reason=request.POST.get("reason", ""), acting_user=request.user
        )
    except ApplicationError as err:
        return _page(request, error=err)
    messages.success(request, _("已收到您的删除申请，社区工作人员处理后会在此页显示结果"))
    return redirect("web:my_data")
