"""The demo logins, one per role, with the place each one sees."""

from __future__ import annotations

from typing import Any

DEMO_PASSWORD = "hongse2026"


def print_logins(out: Any) -> None:
    from redprop.accounts.models import User

    users = (
        User.objects.filter(username__startswith="demo_")
        .prefetch_related("roles__region", "roles__grid", "roles__org", "roles__person")
        .order_by("id")
    )
    out.write(f"\n演示账号（密码均为 {DEMO_PASSWORD}）/ demo logins (password {DEMO_PASSWORD}):\n")
    for user in users:
        for role in user.roles.all():
            out.write(f"  {user.username:<24} {role.get_role_display():<10} {role.anchor_label}\n")
    out.write("\n")
