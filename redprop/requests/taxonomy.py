"""The default two-level category taxonomy, from the articles (DOMAIN.md)."""

from __future__ import annotations

# code, name, parent code, matter, default severity, urgent, unit type, icon
DEFAULT_CATEGORIES: list[tuple[str, str, str, str, str, bool, str, str]] = [
    ("repair", "维修", "", "property", "normal", False, "", "🔧"),
    ("paid_repair", "有偿维修", "repair", "property", "normal", False, "", "🔧"),
    ("public_repair", "公共维修", "repair", "property", "normal", False, "", "🏢"),
    ("pipe_dredging", "管道疏通", "repair", "property", "normal", True, "", "🚿"),
    ("ac_dripping", "空调滴水", "repair", "property", "normal", False, "", "❄️"),
    ("seepage", "渗漏", "repair", "property", "major", False, "", "💧"),
    ("utilities", "水电气暖", "", "unit", "major", True, "", "⚡"),
    ("heating", "供暖", "utilities", "unit", "major", True, "heating", "🔥"),
    ("water_supply", "供水", "utilities", "unit", "major", True, "water", "🚰"),
    ("power_supply", "供电", "utilities", "unit", "major", True, "power", "💡"),
    ("gas_supply", "燃气", "utilities", "unit", "major", True, "gas", "🧯"),
    ("environment", "环境秩序", "", "property", "normal", False, "", "🌳"),
    ("sanitation", "环境卫生", "environment", "property", "normal", False, "", "🧹"),
    ("greenery", "绿化养护", "environment", "property", "normal", False, "", "🌿"),
    ("gate_camera", "门禁监控", "environment", "property", "normal", False, "", "📹"),
    ("parking", "停车秩序", "environment", "property", "normal", False, "", "🚗"),
    ("fire_lane", "消防通道/飞线充电", "environment", "property", "major", True, "", "🚒"),
    ("public_security", "治安隐患", "environment", "unit", "major", True, "police", "👮"),
    ("community_affairs", "社区事务", "", "community", "normal", False, "", "🏠"),
    ("neighbour_dispute", "邻里纠纷", "community_affairs", "community", "normal", False, "", "🤝"),
    ("consultation", "政策咨询", "community_affairs", "community", "normal", False, "", "❓"),
    ("complaint", "投诉", "community_affairs", "community", "normal", False, "", "📣"),
    ("suggestion", "意见建议", "community_affairs", "community", "normal", False, "", "💬"),
]


def install_default_categories(Category) -> None:
    by_code = {}
    # What is there already, in one query (the test suite calls this for every test).
    there = {
        c.code: c for c in Category.objects.filter(code__in=[r[0] for r in DEFAULT_CATEGORIES])
    }
    for code, name, parent, matter, severity, urgent, unit_type, icon in DEFAULT_CATEGORIES:
        obj = there.get(code) or Category.objects.create(
            code=code,
            name=name,
            parent=by_code.get(parent),
            matter=matter,
            default_severity=severity,
            urgent=urgent,
            unit_type=unit_type,
            icon=icon,
            sort=len(by_code) * 10,
        )
        by_code[code] = obj
