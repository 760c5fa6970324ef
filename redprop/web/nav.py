"""The navigation each role sees. Later apps add their entries here."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role

# (url name, label, roles that see it). Unknown url names are skipped, so an app
# can be listed before its pages exist.
NAV: list[tuple[str, Any, frozenset[str]]] = [
    # A role's first entry is its home page, so the day's main page comes first.
    ("web:my_requests", _("我的诉求"), frozenset({Role.RESIDENT})),
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
        "web:file_request",
        _("我要反映"),
        # Community staff take reports at the one-stop window (一站式服务窗口).
        frozenset({Role.RESIDENT, Role.GRID_BUTLER, Role.MAINTENANCE_WORKER, Role.COMMUNITY_STAFF}),
    ),
    (
        "dashboards:dashboard",
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
        "dashboards:reports",
        _("月度报表"),
        frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN}),
    ),
    (
        "web:ratings",
        _("星级评定"),
        frozenset(
            {
                Role.COMPANY_STAFF,
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.HOUSING_BUREAU,
                Role.SYSADMIN,
            }
        ),
    ),
    (
        "meetings:list",
        _("议事协商"),
        frozenset(
            {
                Role.RESIDENT,
                Role.GRID_BUTLER,
                Role.COMPANY_STAFF,
                Role.UNIT_STAFF,
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.SYSADMIN,
            }
        ),
    ),
    (
        "web:vote_list",
        _("业主表决"),
        frozenset({Role.RESIDENT, Role.COMMUNITY_STAFF, Role.STREET_OFFICER}),
    ),
    (
        "mediation:case_list",
        _("调解与信访"),
        frozenset({Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN}),
    ),
    ("web:notices", _("通知公告"), frozenset(set(Role) - {Role.HOTLINE})),
    (
        "web:campaigns",
        _("专项整治"),
        frozenset(set(Role) - {Role.RESIDENT, Role.HOTLINE}),
    ),
    ("fees:my_bills", _("我的账单"), frozenset({Role.RESIDENT})),
    (
        "fees:home",
        _("物业费"),
        frozenset(
            {
                Role.COMPANY_STAFF,
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.HOUSING_BUREAU,
                Role.SYSADMIN,
            }
        ),
    ),
    (
        "web:party",
        _("物业党建"),
        frozenset(
            {
                Role.COMPANY_STAFF,
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.HOUSING_BUREAU,
                Role.SYSADMIN,
            }
        ),
    ),
    (
        "volunteers:list",
        _("志愿服务"),
        frozenset(
            {
                Role.RESIDENT,
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
                Role.HOUSING_BUREAU,
                Role.SYSADMIN,
            }
        ),
    ),
    ("web:inbox", _("消息"), frozenset(set(Role))),
    ("service_lists:list", _("服务清单"), frozenset(set(Role) - {Role.HOTLINE})),
    ("web:my_data", _("我的数据"), frozenset({Role.RESIDENT})),
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
    (
        "web:duty_mine",
        _("我的排班"),
        frozenset(
            {
                Role.GRID_BUTLER,
                Role.MAINTENANCE_WORKER,
                Role.COMPANY_STAFF,
                Role.UNIT_STAFF,
                Role.COMMUNITY_STAFF,
                Role.STREET_OFFICER,
            }
        ),
    ),
]


# The icon of each entry in the phone's bottom bar (static/redprop/icons.svg).
NAV_ICONS: dict[str, str] = {
    "web:my_requests": "list",
    "web:my_orders": "clipboard",
    "web:console": "console",
    "web:file_request": "plus",
    "dashboards:dashboard": "chart",
    "dashboards:reports": "file",
    "web:ratings": "flag",
    "web:vote_list": "check",
    "mediation:case_list": "neighbour_dispute",
    "fees:my_bills": "file",
    "fees:home": "file",
    "web:inbox": "bell",
    "web:notices": "pin",
    "web:campaigns": "flag",
    "web:my_data": "user",
    "admin:index": "settings",
    "web:party": "flag",
    "web:duty_mine": "clock",
    "volunteers:list": "users",
    "service_lists:list": "users",
}


# The phone's bottom bar holds BAR_SIZE entries and 更多 (web:more, every entry as a
# tile) when a role has more than BAR_SIZE + 1: each role's daily pages, in NAV order.
# On a wider screen the top bar shows every entry.
BAR_SIZE = 4
PHONE_BAR = frozenset(
    {
        "web:my_requests",
        "web:my_orders",
        "web:console",
        "web:file_request",
        "web:notices",
        "web:inbox",
        "dashboards:dashboard",
    }
)


def _bar(items: list[dict[str, Any]]) -> None:
    """Mark the entries the phone's bottom bar leaves to 更多 (``extra``)."""
    if len(items) <= BAR_SIZE + 1:
        return
    primary = [i for i in items if i["name"] in PHONE_BAR][:BAR_SIZE]
    primary += [i for i in items if i not in primary][: BAR_SIZE - len(primary)]
    for item in items:
        item["extra"] = not any(item is p for p in primary)


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
        items.append(
            {
                "url": url,
                "label": label,
                "active": path.startswith(url) and url != "/",
                "icon": NAV_ICONS.get(name, "dot"),
                "name": name,
                "extra": False,
            }
        )
    # /my/data/ is inside /my/: only the longest matching entry is the current page.
    current = [i for i in items if i["active"]]
    for item in current:
        item["active"] = item is max(current, key=lambda i: len(i["url"]))
    _bar(items)
    return items


def home_url_for(user: Any) -> str:
    """Where a user lands after login: the first page of their main role."""
    for item in nav_for(user, ""):
        return item["url"]
    return reverse("web:no_role")


def nav_items(request: Any) -> dict[str, Any]:
    """Context processor: the entries, and the unread count shown on 消息 (one query)."""
    from redprop.accounts.sessions import otp_pending

    if otp_pending(request):  # the two-step pages lead nowhere else until it is done
        return {"nav_items": [], "inbox_unread": 0, "nav_more": False, "nav_more_active": False}
    items = nav_for(request.user, request.path)
    unread = 0
    if any(i["name"] == "web:inbox" for i in items):
        from redprop.notifications.selectors import inbox_unread_count

        unread = inbox_unread_count(user=request.user)
    more = any(i["extra"] for i in items)
    return {
        "nav_items": items,
        "inbox_unread": unread,
        "nav_more": more,
        # On the phone, 更多 is the current entry while an entry it holds is.
        "nav_more_active": more
        and (request.path == reverse("web:more") or any(i["extra"] and i["active"] for i in items)),
    }
