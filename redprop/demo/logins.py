"""The demo logins, one per role, with the place each one sees."""

from __future__ import annotations

import os
import unicodedata
from typing import Any

# The password lives with the seeding that sets it; shown here with the logins.
from redprop.demo.seed.foundation import DEMO_PASSWORD as DEMO_PASSWORD

DEMO_URL = "http://127.0.0.1:8000/"


def demo_url() -> str:
    """Where ``bin/demo`` serves: its ``PORT`` (default 8000)."""
    port = os.environ.get("PORT", "").strip()
    return f"http://127.0.0.1:{port}/" if port.isdigit() else DEMO_URL


def display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def region_path(region: Any) -> str:
    """武汉市 › 东西湖区 › 径河街道 › 稻香社区."""
    names = []
    while region is not None:
        names.append(region.name)
        region = region.parent
    return " › ".join(reversed(names))


def scope_label(role: Any) -> str:
    """What a role assignment lets its holder see, in words."""
    from redprop.accounts.choices import Role
    from redprop.orgs.choices import OrgKind
    from redprop.territory.models import Compound, Unit

    if role.role == Role.SYSADMIN:
        return "全部数据（系统管理员）"
    if role.person_id:
        units = Unit.objects.filter(Unit.resident_scope_q(role.person_id)).select_related(
            "compound"
        )
        homes = "、".join(f"{u.compound.name} {u.label}" for u in units.distinct())
        return f"本户：{homes or '（无房屋）'}"
    if role.grid_id:
        grid = role.grid
        compounds = (
            Compound.objects.filter(buildings__grid=grid).distinct().values_list("name", flat=True)
        )
        return f"{region_path(grid.community)} › {grid.name}（{'、'.join(compounds)}）"
    if role.org_id:
        org = role.org
        if org.kind == OrgKind.PROPERTY_COMPANY:
            return f"{org.name}（服务 {org.served_compounds.count()} 个小区）"
        place = org.community or org.street or org.district or org.city
        return f"{org.name}（{region_path(place)}）"
    return region_path(role.region)


def print_logins(out: Any, *, url: str | None = None) -> None:
    from redprop.accounts.choices import Role
    from redprop.accounts.models import RoleAssignment

    order = {value: i for i, value in enumerate(Role.values)}
    roles = sorted(
        RoleAssignment.objects.filter(
            user__username__startswith="demo_", revoked_at__isnull=True
        ).select_related(
            "user",
            "region__parent__parent__parent",
            "grid__community__parent__parent__parent",
            "org__city",
            "org__district",
            "org__street__parent__parent",
            "org__community",
        ),
        key=lambda r: (order.get(r.role, 99), r.user.username),
    )
    if not roles:
        out.write("\n尚无演示账号 / no demo logins yet: python manage.py seed_demo\n\n")
        return
    rows = [("账号 login", "角色 role", "姓名 name", "可见范围 scope")]
    rows += [
        (r.user.username, str(r.get_role_display()), r.user.display_name, scope_label(r))
        for r in roles
    ]
    widths = [max(display_width(row[i]) for row in rows) for i in range(3)]
    out.write(
        f"\n演示账号 / demo logins — 密码 password: {DEMO_PASSWORD} — 登录 log in at {url or demo_url()}\n\n"
    )
    for i, row in enumerate(rows):
        line = "  ".join(pad(cell, widths[j]) for j, cell in enumerate(row[:3]))
        out.write(f"  {line}  {row[3]}\n")
        if i == 0:
            out.write("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 16 + "\n")
    out.write(
        "\n房管局和系统管理员账号登录后须先用手机验证器绑定两步验证 / the housing bureau and"
        "\nadministrator logins enrol an authenticator app first (docs/security.md);"
        "\nREDPROP_OTP_REQUIRED_ROLES= (empty) bin/demo turns that off for a demo.\n\n"
    )
    print_open311_key(out, url=url or demo_url())


def print_open311_key(out: Any, *, url: str = DEMO_URL) -> None:
    from redprop.demo.seed.open311 import DEMO_KEY, DEMO_KEY_NAME
    from redprop.open311.models import ClientKey
    from redprop.open311.services import key_hash

    key = ClientKey.objects.filter(key_hash=key_hash(DEMO_KEY), revoked_at=None).first()
    if key is None:
        return
    out.write(f"Open311 演示密钥 / demo key ({DEMO_KEY_NAME}, {key.region}):\n  {DEMO_KEY}\n")
    out.write(f"  curl -s '{url}open311/v2/services.json'   (docs/api/open311.md)\n\n")
