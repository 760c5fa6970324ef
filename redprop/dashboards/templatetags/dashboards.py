"""Filters for the dashboards: percentages, months and durations in Chinese formats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from redprop.dashboards import periods

register = template.Library()


@register.filter
def pct(value: Decimal | float | None) -> str:
    """0.9523 → 95.2%"""
    return periods.pct(value)


@register.filter
def month_zh(value: dt.date | None) -> str:
    """2026-11-01 → 2026年11月"""
    return periods.month_label(value) if value else ""


@register.filter
def duration_zh(value: dt.timedelta | None) -> str:
    """A span as 2天3小时 / 3小时20分 / 15分钟."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        if hours:
            return _("%(days)d天%(hours)d小时") % {"days": days, "hours": hours}
        return _("%(days)d天") % {"days": days}
    if hours:
        if mins:
            return _("%(hours)d小时%(minutes)d分") % {"hours": hours, "minutes": mins}
        return _("%(hours)d小时") % {"hours": hours}
    return _("%(minutes)d分钟") % {"minutes": mins}


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (empty value: removed)."""
    request = context["request"]
    params = {k: v for k, v in request.GET.items()}
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(params) if params else "?"


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, key)
