"""Template helpers of the pages: Chinese dates, countdowns and icons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from redprop.web import presenters

register = template.Library()


@register.filter
def cn_dt(value: dt.datetime | None) -> str:
    """ "11月25日 14:30" in Asia/Shanghai."""
    return presenters.cn_datetime(value)


@register.filter
def due(request: Any) -> presenters.Due | None:
    return presenters.due_of(request)


@register.filter
def place(request: Any) -> str:
    return presenters.place_text(request)


@register.filter
def cat_icon(category: Any) -> str:
    return presenters.category_icon(category)


@register.simple_tag
def icon(name: str, extra_class: str = "") -> str:
    """An icon from the sprite; decorative (the text next to it says what it means)."""
    return format_html(
        '<svg class="icon {}" aria-hidden="true" focusable="false"><use href="{}#i-{}"></use></svg>',
        extra_class,
        static("redprop/icons.svg"),
        name,
    )


@register.filter
def dictget(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
