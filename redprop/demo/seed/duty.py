"""The demo's office duty rotation (轮值坐班) and one hand-over (交接班).

Figures and places:

* 南宁市江南区二桥西社区 (seed 003): "社区党委定期派工作人员到家园物业'轮值坐班'",
  offering the six convenience services. Its residents' committee rosters three
  cadres into the property office (named after the company serving there, 家园物业
  when present), a daily rotation on working days.
* Every other community of the demo gets the same kind of rota (DOMAIN.md §9: community
  staff sit on duty in the property office by rotation); the focus community (武汉径河)
  puts the ``demo_community`` login on it, so its 我的排班 and 今日值班 show a rota.
* The hours, 08:30–17:30, and three members per office are the demo's own choice: the
  sources give no rota size or hours (say so if asked).
* In the focus community, the cadre who sat last (before today) handed over to the
  ``demo_community`` login, who has it to acknowledge (待我接班).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.demo.registry import SeedContext

START, END = dt.time(8, 30), dt.time(17, 30)
MEMBERS = 3
NOTE = "今日接待居民来访 4 人次：2 栋楼道灯不亮已转物业维修；独居老人李阿姨需每周上门探视，已登记。"


def _cadre(ctx: SeedContext, community: Any, n: int) -> Any:
    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant

    user = User.objects.create(
        username=f"duty_{community.pk}_{n}", display_name=ctx.fake.name(), is_active=True
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    role_grant(user=user, role=Role.COMMUNITY_STAFF, region=community, acting_user=ctx.acting_user)
    return User.objects.get(pk=user.pk)


def _office_name(community: Any) -> str:
    from redprop.territory.models import Compound

    compound = (
        Compound.objects.filter(community=community, company__isnull=False)
        .select_related("company")
        .order_by("id")
        .first()
    )
    if compound is not None:
        return f"{compound.company.name}物业服务站"[:64]
    return f"{community.name}物业服务站"[:64]


def seed_duty(ctx: SeedContext) -> None:
    from redprop.accounts.choices import Role
    from redprop.duty import services
    from redprop.duty.choices import RotaMode

    focus = ctx.focus.get("community")
    desk = ctx.users.get(Role.COMMUNITY_STAFF)
    start = ctx.today - dt.timedelta(days=28)
    rotas = 0
    total = len(ctx.communities) or 1
    for i, community in enumerate(ctx.communities):
        committee = ctx.residents_committees.get(community.pk)
        if committee is None:
            continue
        members = [_cadre(ctx, community, n) for n in range(MEMBERS)]
        if focus is not None and community.pk == focus.pk and desk is not None:
            members[-1] = desk
        ctx.rng.shuffle(members)
        services.rota_create(
            org=committee,
            community=community,
            office=_office_name(community),
            members=members,
            mode=RotaMode.DAILY,
            day_rule="working",
            starts_at=START,
            ends_at=END,
            effective_from=start,
            acting_user=ctx.acting_user,
        )
        rotas += 1
        ctx.progress((i + 1) / total, community.name)
        if focus is not None and community.pk == focus.pk and desk is not None:
            _hand_over(ctx, members, desk)
    ctx.log(f"duty: {rotas} office rotas (轮值坐班), {rotas * MEMBERS} members")


def _hand_over(ctx: SeedContext, members: list[Any], desk: Any) -> None:
    """The last cadre who sat before today hands over to the demo login."""
    from redprop.duty import selectors, services

    last = None
    for m in members:
        if m.pk == desk.pk:
            continue
        past = selectors.my_shifts(
            m, ctx.today - dt.timedelta(days=10), ctx.today - dt.timedelta(days=1)
        )
        if past and (last is None or past[-1].start > last[1].start):
            last = (m, past[-1])
    if last is None:
        return
    cadre, entry = last
    services.handover_write(
        acting_user=cadre, note=NOTE, to_user_id=desk.pk, now=entry.end - dt.timedelta(minutes=5)
    )
