"""The service list on a request's page: the needs linked to it both ways and, for a
grid worker or the community's desk, "转入服务清单" (one include on that page)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from redprop.service_lists import permissions, selectors
from redprop.service_lists.choices import FROM_REQUEST_ROLES, Care, ServiceClass
from redprop.service_lists.models import ServiceItem

register = template.Library()


@register.inclusion_tag("service_lists/_request_box.html", takes_context=True)
def request_service_box(context: dict[str, Any], request_obj: Any) -> dict[str, Any]:
    user = context["request"].user
    items = list(
        selectors.visible_items(user).filter(
            Q(source_request=request_obj) | Q(spawned_request=request_obj)
        )[:5]
    )
    linked = items or ServiceItem.objects.filter(source_request=request_obj).exists()
    can_send = (
        not linked
        and user.has_role(*FROM_REQUEST_ROLES)
        and permissions.can_post_need(user, permissions.cols(request_obj), request_obj.compound_id)
    )
    return {
        "r": request_obj,
        "items": items,
        "can_send": can_send,
        "classes": ServiceClass.choices,
        "cares": Care.choices,
        "csrf_token": context.get("csrf_token"),
    }
