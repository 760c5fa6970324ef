"""我的诉求: the resident's household and the requests they filed or follow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from redprop.accounts.choices import Role
from redprop.requests import selectors as request_selectors
from redprop.web import presenters
from redprop.web import selectors as web_selectors
from redprop.web.access import role_required

PAGE_SIZE = 50


@require_GET
@role_required(Role.RESIDENT)
def my_requests(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    now = timezone.now()
    rows = request_selectors.request_list(
        scope=user.scope_set(Role.RESIDENT)
    ).select_related(  # type: ignore[union-attr]
        "building", "unit"
    )[:PAGE_SIZE]
    from redprop.notices.selectors import notices_for_resident

    return render(
        request,
        "web/resident/my_requests.html",
        {
            # The resident's home page shows the pinned and newest notices of their homes.
            "notices": list(notices_for_resident(user=user)[:3]),
            "units": list(web_selectors.household_units(user=user)),
            # 今日值班: who sits in the property office of the resident's communities today.
            "duty_today": _duty_today(user),
            "rows": [
                {
                    "r": r,
                    "due": presenters.due_of(r, now=now),
                    "icon": presenters.category_icon(r.category),
                    "following": r.reporter_id != user.person_id,  # type: ignore[union-attr]
                }
                for r in rows
            ],
        },
    )


def _duty_today(user: Any) -> list[Any]:
    from redprop.duty.selectors import duty_today_for_resident

    return [e for _community, entries in duty_today_for_resident(user=user) for e in entries]
