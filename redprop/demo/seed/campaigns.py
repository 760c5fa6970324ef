"""Demo campaign: Erqiaoxi's fire-safety campaign (南宁二桥西社区消防安全专项整治) that
cleared 64 problems (DOMAIN.md; seeds/: "64 fire-safety problems", blocked fire lanes
and "flying wire" charging, cleared with the police and the housing office), run to
completion through the services: launched with the community, the police station,
the housing bureau and the property companies; 64 items found on patrol at the
buildings of the companies' compounds, assigned, fixed with an after-photo, some
rejected once and fixed again, all verified by another person; two hazards found
again at the same place (flagged); the campaign closed."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.demo.registry import SeedContext

PROBLEMS = 64
# The mix of the 64: mostly flying-wire charging and blocked fire lanes (seeds/).
MIX = [
    ("flying_wire", 22),
    ("blocked_fire_lane", 14),
    ("ebike_indoors", 10),
    ("corridor_clutter", 9),
    ("extinguisher", 5),
    ("wiring", 4),
]
POLICE_HAZARDS = {"blocked_fire_lane", "ebike_indoors"}


def _jpeg(color: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (48, 36), color).save(buf, "JPEG", quality=60)
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def seed_campaigns(ctx: SeedContext) -> None:
    from redprop.accounts.services import role_grant, user_create
    from redprop.campaigns import services as cs
    from redprop.demo.seed.foundation import DEMO_PASSWORD
    from redprop.orgs.choices import UnitType
    from redprop.territory.models import Building

    community = next((c for c in ctx.communities if c.name == "二桥西社区"), None)
    if community is None:
        return
    police = next(
        (
            o
            for o in ctx.cobuilding_units
            if o.street_id == community.street_id and o.unit_type == UnitType.POLICE
        ),
        None,
    )
    companies = [
        c for c in ctx.companies if c.served_compounds.filter(community_id=community.pk).exists()
    ]
    bureau = next((o for o in ctx.housing_bureaus if o.city_id == community.city_id), None)
    committee = ctx.residents_committees.get(community.pk)
    actor = ctx.acting_user

    def login(name: str, role: str, **anchor: Any) -> Any:
        user = user_create(username=name, password=DEMO_PASSWORD, acting_user=actor)
        role_grant(user=user, role=role, acting_user=actor, **anchor)
        return type(user).objects.get(pk=user.pk)

    staff = login("erqiaoxi_community", Role.COMMUNITY_STAFF, region=community)
    inspector = login("erqiaoxi_inspector", Role.COMMUNITY_STAFF, region=community)
    fixers = {
        c.pk: login(f"erqiaoxi_company_{i + 1}", Role.COMPANY_STAFF, org=c)
        for i, c in enumerate(companies)
    }
    officer = login("erqiaoxi_police", Role.UNIT_STAFF, org=police) if police else None

    today = ctx.today
    starts, ends = today - dt.timedelta(days=75), today - dt.timedelta(days=15)
    units = [(c, "property") for c in companies]
    if police:
        units.append((police, "police"))
    if bureau:
        units.append((bureau, "housing"))
    if committee:
        units.append((committee, "community"))
    campaign = cs.campaign_create(
        acting_user=staff,
        title="二桥西社区消防安全专项整治",
        topic="fire_safety",
        area_level="community",
        area_id=community.pk,
        starts_on=starts,
        ends_on=ends,
        checklist=[
            "楼道、架空层有无飞线充电",
            "消防通道是否被车辆或杂物占堵",
            "电动车是否入户或在楼道停放充电",
            "楼道有无堆放杂物",
            "灭火器、消防栓是否完好有效",
            "有无私拉乱接电线",
        ],
        units=units,
        description="社区牵头，派出所、住建部门、物业企业联合开展，逐楼排查、限期整改、复查销号。",
    )
    buildings = list(
        Building.objects.filter(community_id=community.pk, compound__company_id__in=list(fixers))
        .select_related("compound")
        .order_by("pk")
    )
    hazards = [h for h, n in MIX for _i in range(n)]
    ctx.rng.shuffle(hazards)
    # Each hazard at its own place (a building not yet holding that hazard) but two:
    # items 40 and 52 are the same hazard found again where it was fixed (复发).
    used: set[tuple[int, str]] = set()
    made: list[tuple[Any, str]] = []
    for i, hazard in enumerate(hazards):
        if i in (40, 52):
            building, hazard = made[i - 30]  # found again at the same place
        else:
            free = [b for b in buildings if (b.pk, hazard) not in used]
            building = ctx.rng.choice(free or buildings)
        used.add((building.pk, hazard))
        day = starts + dt.timedelta(days=int(i * 45 / PROBLEMS))
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(9 + i % 8, 15)))
        finder = officer if (officer and hazard in POLICE_HAZARDS and i % 3 == 0) else staff
        item = cs.item_report(
            campaign=campaign,
            acting_user=finder,
            hazard=hazard,
            severity=ctx.rng.choice(["low", "medium", "medium", "high"]),
            building_id=building.pk,
            description=f"{building.compound.name}{building.name} 巡查发现",
            photos=[_jpeg((190, 40, 40))],
            check_index=[h for h, _n in MIX].index(hazard),
            at=at,
        )
        made.append((building, hazard))
        if officer and hazard in POLICE_HAZARDS and i % 2 == 0:
            org, fixer = police, officer
        else:
            org, fixer = building.compound.company, fixers[building.compound.company_id]
        item = cs.item_assign(item=item, acting_user=staff, org=org)
        item = cs.item_fix(item=item, acting_user=fixer, photo=_jpeg((40, 150, 60)), note="已整改")
        if i % 9 == 0:  # not good enough the first time
            item = cs.item_reject(
                item=item, acting_user=inspector, reason="复查仍有隐患，请彻底整改"
            )
            item = cs.item_fix(
                item=item, acting_user=fixer, photo=_jpeg((40, 160, 70)), note="已彻底整改"
            )
        cs.item_verify(item=item, acting_user=inspector if i % 2 else staff, note="复查合格，销号")
    cs.campaign_close(campaign=campaign, acting_user=staff)
    ctx.log(f"campaigns: Erqiaoxi fire safety, {len(hazards)} problems found and verified")
