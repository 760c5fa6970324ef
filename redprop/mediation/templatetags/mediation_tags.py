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
