"""``{% party_badge user %}``: the 共产党员 badge beside a worker who consented to show it
(亮牌上岗、亮身份); nothing at all otherwise."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from redprop.party.badges import badge_for_user

register = template.Library()


@register.simple_tag
def party_badge(user: Any) -> str:
    badge = badge_for_user(user) if user is not None else None
    if badge is None:
        return ""
    return format_html(
        '<span class="badge badge-party" title="{}">☭ {}</span>', badge["org"], badge["label"]
    )
