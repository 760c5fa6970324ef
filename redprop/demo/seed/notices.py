"""Demo notices (通知公告): one at every level of the Jinghe places the demo logins look
at — the street's policy, the community's 逢四说事 meeting, the compound's fee
disclosure (Jinghe's 0.45 元/m²/month, DOMAIN.md), the grid's property notice, a water
cut to the demo resident's building (pinned) and a power cut to another building —
and Erqiaoxi's news of its fire-safety campaign (64 problems cleared). Published
through the services; the relay (``run_outbox``) pushes them to the residents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.demo.registry import SeedContext


def seed_notices(ctx: SeedContext) -> None:
    from redprop.notices.services import notice_create
    from redprop.territory.models import Building

    f, u = ctx.focus, ctx.users
    now = clock.now()
    home = f["unit"].building
    other = (
        Building.objects.filter(community_id=f["community"].pk)
        .exclude(pk=home.pk)
        .order_by("pk")
        .first()
    )
    plan: list[tuple[str, str, Any, str, str, dict[str, Any]]] = [
        (
            Role.STREET_OFFICER,
            "street",
            f["street"],
            "policy",
            "《物业管理条例》修订要点解读",
            {
                "body": "红色物业：党建引领、共建共治共享。本街道各小区物业服务事项、收费标准及投诉渠道请见附表。"
            },
        ),
        (
            Role.COMMUNITY_STAFF,
            "community",
            f["community"],
            "meeting",
            "本月14日“逢四说事”议事会",
            {
                "body": "14日上午9:30在红色物业议事厅召开议事会，议题：楼道照明、停车秩序。欢迎居民代表参加。"
            },
        ),
        (
            Role.COMPANY_STAFF,
            "compound",
            f["compound"],
            "fee_disclosure",
            "物业服务费收支公示",
            {"body": "物业费标准 0.45 元/m²/月。上半年收支明细已张贴于小区公示栏，欢迎业主监督。"},
        ),
        (
            Role.GRID_BUTLER,
            "grid",
            f["grid"],
            "property_service",
            "本周六网格大扫除",
            {"body": "本周六上午组织网格内楼道清扫，欢迎志愿者参加。"},
        ),
        (
            Role.COMMUNITY_STAFF,
            "building",
            home,
            "water_cut",
            f"{home.compound.name}{home.name}明日停水通知",
            {
                "body": "因供水管道维修，明日 9:00-17:00 停水，请提前储水。如有困难请联系网格员。",
                "pinned": True,
                "expire_at": now + dt.timedelta(days=2),
            },
        ),
    ]
    if other is not None:
        plan.append(
            (
                Role.COMMUNITY_STAFF,
                "building",
                other,
                "power_cut",
                f"{other.compound.name}{other.name}停电检修通知",
                {"body": "供电所检修线路，后天 8:00-12:00 停电。", "is_public": False},
            )
        )
    made = 0
    for role, level, node, kind, title, extra in plan:
        for author in (u.get(role), u.get(Role.SYSADMIN)):
            try:
                notice_create(
                    acting_user=author,
                    kind=kind,
                    title=title,
                    target_level=level,
                    target_id=node.pk,
                    publish=True,
                    **extra,
                )
                made += 1
                break
            except ApplicationError:
                continue  # the demo login's scope does not hold it: the sysadmin publishes
    erqiaoxi = next((c for c in ctx.communities if c.name == "二桥西社区"), None)
    if erqiaoxi is not None:
        notice_create(
            acting_user=u[Role.SYSADMIN],
            kind="community_news",
            title="消防安全专项整治：64处隐患全部整改销号",
            body="社区联合派出所、住建部门和物业企业开展消防安全专项整治，清理飞线充电、疏通消防通道，发现的 64 处问题已全部整改并复查销号。",
            target_level="community",
            target_id=erqiaoxi.pk,
            publish=True,
        )
        made += 1
    ctx.log(f"notices: {made} published")
