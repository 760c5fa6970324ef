"""The demo's service lists (服务清单与双向认领), traced to the seeds:

* seed 003 (南宁二桥西社区): "整合共建成员单位各项服务和资源，梳理资源清单和居民需求清单，
  制定'服务清单'，进行双向认领"; the six convenience services "解民需、帮民困、慰民心、
  疗民疾、暖民情、便民急"; "重点提升'一老一小'服务功能"; "志愿服务等活动20余场次" — so
  二桥西社区's list holds about 22 items at scale 1 (``ERQIAOXI_ITEMS``).
* seed 002 (武汉径河, the demo's focus community): co-building units and the commercial
  companies that signed the 红色物业共建协议书 offer resources and claim needs; the demo
  logins (demo_unit, demo_resident, the community desk) see and act on this list.
* seed 001 (濮阳, 208 compounds given accessibility facilities): a broken ramp (无障碍
  坡道损坏) is a need the community turns into a repair request.

Each co-building unit with an agreement in the community offers what its agreement
lists (UNIT_OFFERS in foundation_people); elderly people living alone (a one-person
household aged 60+, by the plain ``elderly`` tag and the household: the sensitive tags
are not read) get weekly visits; children get after-school care. The items move through
the services on a simulated clock (core.clock.travel) over the last 40 days: most are
done with evidence, some in progress or claimed, some open, a few past their due date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from redprop.demo.registry import SeedContext

ERQIAOXI_ITEMS = 22  # seed 003: "志愿服务等活动20余场次"
FOCUS_ITEMS = 12
DAYS = 40

# unit type → (title, service class): what each kind of unit puts on the resource list.
OFFERS = {
    "hospital": ("健康义诊、家庭医生签约", "liao_min_ji"),
    "school": ("课后托管、青少年志愿服务", "nuan_min_qing"),
    "police": ("反诈宣传、法治讲座", "jie_min_xu"),
    "power": ("用电安全检查", "bian_min_ji"),
    "water": ("水质检测、管网巡查", "jie_min_xu"),
    "gas": ("燃气安全入户检查", "bian_min_ji"),
    "heating": ("入户测温", "bang_min_kun"),
    "government": ("党员志愿者包联网格", "bang_min_kun"),
    "enterprise": ("志愿维修服务", "bang_min_kun"),
}
# Needs not about a named person (seed 003's repairs and seed 001's ramps).
NEEDS = [
    ("无障碍坡道损坏，轮椅无法通行", "bian_min_ji", ""),
    ("独居老人家中水管漏水，需上门维修", "bang_min_kun", "elderly_alone"),
    ("楼道扶手松动，老人上下楼不便", "bian_min_ji", "elderly"),
    ("老人需要上门理发", "nuan_min_qing", "elderly"),
    ("困难家庭家电维修", "bang_min_kun", ""),
    ("高龄老人代购药品", "liao_min_ji", "elderly"),
]
EVIDENCE = "已上门服务，情况已向社区反馈"


class _Actors:
    """A user with the role a step needs: the demo login where its anchor fits, else a
    seeding account (no password: it cannot log in)."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.cache: dict[tuple[str, int], Any] = {}

    def get(self, role: str, **anchor: Any) -> Any:
        from redprop.accounts.models import User
        from redprop.accounts.services import role_grant

        ((column, target),) = anchor.items()
        demo = self.ctx.users.get(role)
        if demo is not None and any(
            r.role == role and getattr(r, f"{column}_id") == target.pk for r in demo.active_roles
        ):
            return demo
        key = (role, target.pk)
        if key not in self.cache:
            user = User.objects.create(username=f"service_{role}_{target.pk}", is_active=True)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            role_grant(user=user, role=role, acting_user=self.ctx.acting_user, **anchor)
            self.cache[key] = User.objects.get(pk=user.pk)
        return self.cache[key]


def _elderly_alone(community: Any, limit: int) -> list[Any]:
    """One-person households aged 60+ (plain tag and household only)."""
    from django.db.models import Count

    from redprop.people.models import Person
    from redprop.territory.models import Unit

    alone = (
        Unit.objects.filter(community_id=community.pk)
        .annotate(n=Count("occupants"))
        .filter(n=1)
        .values("occupants__person_id")
    )
    return list(Person.objects.filter(pk__in=alone, tags__code="elderly").order_by("pk")[:limit])


def _children(community: Any, year: int, limit: int) -> list[Any]:
    from redprop.people.models import Person

    return list(
        Person.objects.filter(
            occupancies__unit__community_id=community.pk, birth_year__gt=year - 12
        )
        .distinct()
        .order_by("pk")[:limit]
    )


def _seed_community(ctx: SeedContext, community: Any, total: int, actors: _Actors) -> None:
    from redprop.accounts.choices import Role
    from redprop.core import clock
    from redprop.orgs.models import CoBuildingAgreement
    from redprop.requests.models import ServiceRequest
    from redprop.service_lists import services as s
    from redprop.territory.models import Compound, Grid, Unit

    rng = ctx.rng
    start = timezone.make_aware(
        dt.datetime.combine(ctx.today - dt.timedelta(days=DAYS), dt.time(9, 0))
    )
    sim = clock.SimulatedClock(start)
    desk = actors.get(Role.COMMUNITY_STAFF, region=community)
    grids = list(Grid.objects.filter(community_id=community.pk).order_by("pk"))
    compounds = list(Compound.objects.filter(community_id=community.pk).order_by("pk"))
    # The units whose agreement is in force over the simulated days.
    day = start.date()
    units = [
        a.org
        for a in CoBuildingAgreement.objects.filter(community_id=community.pk, signed_on__lte=day)
        .select_related("org")
        .order_by("pk")
        if a.org.unit_type and (a.expires_on is None or a.expires_on >= ctx.today)
    ]
    if not compounds or not units:
        return
    unit_user = {o.pk: actors.get(Role.UNIT_STAFF, org=o) for o in units}
    by_type = {o.unit_type: o for o in units}

    def poster(grid: Any) -> Any:
        return actors.get(Role.GRID_BUTLER, grid=grid) if grid is not None else desk

    def run(item: Any, holder: Any, stage: str) -> None:
        """Take a posted item to ``stage`` a day or two per step."""
        for step, to in (("claim", "claimed"), ("start", "in_progress"), ("complete", "done")):
            sim.advance(dt.timedelta(hours=rng.randint(6, 40)))
            if step == "complete":
                s.item_complete(acting_user=holder, item_id=item.pk, note=EVIDENCE)
            elif step == "claim" and item.side == "resource":
                s.item_claim(
                    acting_user=holder, item_id=item.pk, for_person_id=getattr(item, "_for", None)
                )
            else:
                s.item_act(acting_user=holder, item_id=item.pk, action=step)
            if to == stage:
                return

    stages = ["done", "done", "done", "in_progress", "claimed", "open"]
    made = 0
    with clock.travel(sim):
        # Resources: what each unit's agreement offers.
        for org in units[: max(1, total // 3)]:
            title, klass = OFFERS.get(org.unit_type, ("志愿服务", "jie_min_xu"))
            item = s.item_post(
                acting_user=unit_user[org.pk],
                side="resource",
                service_class=klass,
                title=title,
                description=f"{org.name}提供（共建协议）",
                community_id=community.pk,
                offered_by_id=org.pk,
            )
            made += 1
            grid = grids[made % len(grids)] if grids else None
            stage = stages[made % len(stages)]
            if stage != "open" and grid is not None:
                run(item, poster(grid), stage)
            sim.advance(dt.timedelta(hours=rng.randint(2, 20)))
        # Needs for elderly people living alone: weekly visits (一老).
        visitor = by_type.get("hospital") or by_type.get("government") or units[0]
        for person in _elderly_alone(community, max(1, (total - made) // 3)):
            home = (
                Unit.objects.filter(occupants__person=person).values_list("compound_id", flat=True)
            ).first()
            grid = next((g for g in grids if g.pk == person.grid_id), None)
            due = timezone.localtime(sim()).date() + dt.timedelta(days=rng.randint(5, 20))
            item = s.item_post(
                acting_user=poster(grid),
                side="need",
                service_class="wei_min_xin",
                care="elderly_alone",
                title="独居老人每周上门探访",
                compound_id=home or compounds[0].pk,
                beneficiary_id=person.pk,
                due_on=due,
            )
            made += 1
            stage = rng.choice(stages)
            if stage != "open":
                run(item, unit_user[visitor.pk], stage)
            sim.advance(dt.timedelta(hours=rng.randint(4, 30)))
        # Children: after-school care (一小).
        school = by_type.get("school") or units[-1]
        for _child in _children(community, ctx.today.year, 1 if total < 10 else 2):
            item = s.item_post(
                acting_user=desk,
                side="need",
                service_class="nuan_min_qing",
                care="child",
                title="双职工家庭儿童课后托管",
                compound_id=rng.choice(compounds).pk,
            )
            made += 1
            run(item, unit_user[school.pk], rng.choice(["done", "in_progress"]))
        # Repairs and errands; the first one (a broken ramp) becomes a repair request.
        i = 0
        while made < total or i == 0:
            title, klass, care = NEEDS[i % len(NEEDS)]
            grid = grids[i % len(grids)] if grids else None
            due = timezone.localtime(sim()).date() + dt.timedelta(days=rng.randint(3, 14))
            item = s.item_post(
                acting_user=poster(grid),
                side="need",
                service_class=klass,
                care=care,
                title=title,
                compound_id=compounds[i % len(compounds)].pk,
                due_on=due,
            )
            if i == 0:
                s.item_spawn_request(
                    acting_user=desk, item_id=item.pk, category_code="public_repair"
                )
            else:
                stage = stages[i % len(stages)]
                if stage != "open":
                    run(item, unit_user[units[i % len(units)].pk], stage)
            made += 1
            i += 1
            sim.advance(dt.timedelta(hours=rng.randint(4, 30)))
        # A need from a resident's request (a consultation that is a need for care).
        request = (
            ServiceRequest.objects.filter(community_id=community.pk, category__code="consultation")
            .order_by("pk")
            .first()
        )
        if request is not None:
            s.item_from_request(acting_user=desk, request_id=request.pk, service_class="jie_min_xu")


def seed_service_lists(ctx: SeedContext) -> None:
    actors = _Actors(ctx)
    for community in ctx.communities:
        if community.name == "二桥西社区":
            _seed_community(ctx, community, ctx.k(ERQIAOXI_ITEMS), actors)
    focus = ctx.focus.get("community")
    if focus is not None:
        _seed_community(ctx, focus, ctx.k(FOCUS_ITEMS), actors)
