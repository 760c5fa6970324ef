"""The navigation each role sees. Later apps add their entries here."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role

# (url name, label, roles that see it). Unknown url names are skipped, so an app
# can be listed before its pages exist.
NAV: list[tuple[str, Any, frozenset[str]]] = [
    ("web:my_requests", _("我的诉求"), frozenset({Role.RESIDENT})),
    (
        "web:file_request",
        _("我要反映"),
        frozenset({Role.RESIDENT, Role.GRID_BUTLER, Role.MAINTENANCE_WORKER}),
    ),
    (
        "web:my_orders",
        _("我的工单"),
        frozenset({Role.GRID_BUTLER, Role.MAINTENANCE_WORKER, Role.COMPANY_STAFF, Role.UNIT_STAFF}),
    ),
    (
        "web:console",
        _("派单台"),
        frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN}),
    ),
    (
        "web:dashboard",
        _("数据看板"),
        frozenset(
            {
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.HOUSING_BUREAU,
                Role.SYSADMIN,
                Role.COMPANY_STAFF,
            }
        ),
    ),
    (
        "web:reports",
        _("月度报表"),
        frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN}),
    ),
    ("web:inbox", _("消息"), frozenset(set(Role))),
    (
        "admin:index",
        _("管理后台"),
        frozenset(
            {
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.HOUSING_BUREAU,
                Role.SYSADMIN,
                Role.COMPANY_STAFF,
            }
        ),
    ),
]


def nav_for(user: Any, path: str) -> list[dict[str, Any]]:
    if not user.is_authenticated:
        return []
    roles = user.role_names()
    items = []
    for name, label, allowed in NAV:
        if not roles & allowed:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": path.startswith(url) and url != "/"})
    return items


def home_url_for(user: Any) -> str:
    """Where a user lands after login: the first page of their main role."""
    for item in nav_for(user, ""):
        return item["url"]
    return reverse("web:no_role")


def nav_items(request: Any) -> dict[str, Any]:
    """Context processor."""
    return {"nav_items": nav_for(request.user, request.path)}
