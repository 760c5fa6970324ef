"""我的工单: a worker's orders by deadline, the time left coloured at warning and breach."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from redprop.requests import permissions
from redprop.requests import selectors as request_selectors
from redprop.requests.permissions import FILERS
from redprop.web import presenters
from redprop.web.access import role_required
from redprop.web.selectors import WORKERS

LIMIT = 200
_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


@require_GET
@role_required(*WORKERS)
def my_orders(request: HttpRequest) -> HttpResponse:
    """The page; an htmx call (every minute) gets only the list, so countdowns stay fresh."""
    now = timezone.now()
    # my_orders also returns the grid's unclaimed orders of other units (a water
    # company's order in the worker's grid); list only those this user may handle.
    orders = [
        r
        for r in request_selectors.my_orders(user=request.user).select_related("building", "unit")[
            :LIMIT
        ]
        if permissions.can_handle(request.user, r)
    ]
    # The deadline that matters now (respond, plan or resolve), soonest first; none last.
    orders.sort(key=lambda r: (r.active_due_at or _FAR, r.pk))
    rows = [
        {
            "r": r,
            "due": presenters.due_of(r, now=now),
            "icon": presenters.category_icon(r.category),
            "mine": r.assignee_id == request.user.pk,
        }
        for r in orders
    ]
    levels = [d.level for d in (row["due"] for row in rows) if isinstance(d, presenters.Due)]
    counts = {"bad": levels.count("bad"), "warn": levels.count("warn"), "all": len(rows)}
    template = "web/orders/_list.html" if request.htmx else "web/orders/orders.html"  # type: ignore[attr-defined]
    can_file = request.user.has_role(*FILERS)  # type: ignore[union-attr]
    return render(request, template, {"rows": rows, "counts": counts, "can_file": can_file})
