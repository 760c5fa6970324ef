"""Meetings on other apps' pages: the 上会 box on a request page and the counts
panel on the dashboard (one include each, so those pages change by one line)."""

from __future__ import annotations

from typing import Any

from django import template

from redprop.meetings import permissions, selectors

register = template.Library()


@register.inclusion_tag("meetings/_request_box.html", takes_context=True)
def request_meeting_box(context: dict[str, Any], request_obj: Any) -> dict[str, Any]:
    """The request's issues (linked both ways) and, for a desk, the 上会 button."""
    user = context["request"].user
    issues = list(request_obj.meeting_issues.select_related("meeting").exclude(status="merged"))
    return {
        "r": request_obj,
        "issues": issues,
        "can_send": not issues and permissions.can_send_request(user, request_obj),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("meetings/_dashboard_panel.html")
def meetings_panel(scope: Any, year: int, month: int | None = None) -> dict[str, Any]:
    """议事协商 counts of the dashboard's scope: by community, for the year and month."""
    from redprop.core.scope import ScopeSet

    if not isinstance(scope, ScopeSet):
        scope = ScopeSet.of([scope])
    rows = selectors.meeting_counts(scope=scope, level="community", year=year)
    month_rows = (
        selectors.meeting_counts(scope=scope, level="community", year=year, month=month)
        if month
        else []
    )
    return {
        "rows": rows[:30],
        "year": year,
        "month": month,
        "totals": selectors.count_totals(rows),
        "month_totals": selectors.count_totals(month_rows),
        "labels": selectors.count_labels(),
        "keys": selectors.COUNT_KEYS,
    }
