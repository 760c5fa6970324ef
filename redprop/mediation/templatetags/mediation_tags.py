"""The request page's 矛盾调解 box: the linked cases and the 转调解 button."""

from __future__ import annotations

from typing import Any

from django import template

from redprop.mediation import permissions
from redprop.mediation.choices import Status

register = template.Library()


@register.inclusion_tag("mediation/_request_link.html", takes_context=True)
def mediation_for_request(context: Any, request_obj: Any) -> dict[str, Any]:
    user = context["request"].user
    if not permissions.can_open_from_request(user, request_obj):
        return {"med_cases": [], "med_can_open": False}
    cases = list(request_obj.mediation_cases.all())
    live = [c for c in cases if c.status not in (Status.WITHDRAWN, Status.DECLINED)]
    return {
        "med_cases": cases,
        "med_can_open": not live,
        "med_request": request_obj,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("mediation/_dashboard_panel.html", takes_context=True)
def mediation_panel(context: Any, focus: Any) -> dict[str, Any]:
    """调解与信访 on the dashboard: cases, agreements and satisfaction of the focus's year,
    by community (or by street for a district or city). Supervising roles only."""
    import datetime as dt

    from django.utils import timezone

    from redprop.mediation import selectors

    user = context["request"].user
    if not permissions.can_see_stats(user):
        return {"rows": None}
    node = getattr(focus, "node", None) or getattr(focus, "place", None)
    if node is None or getattr(node, "_meta", None) is None or node._meta.model_name != "region":
        return {"rows": None}
    month = context.get("month")
    year = month.year if month else timezone.localdate().year
    tz = timezone.get_current_timezone()
    since = dt.datetime(year, 1, 1, tzinfo=tz)
    until = dt.datetime(year + 1, 1, 1, tzinfo=tz)
    scope = user.scope_set(*permissions.SUPERVISORS)
    rows = selectors.case_counts(scope=scope, node=node, since=since, until=until)
    return {
        "rows": rows,
        "total": selectors.total(rows) if len(rows) > 1 else None,
        "year": year,
        "node": node,
    }
