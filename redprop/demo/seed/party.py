"""The demo's party building (物业党建), from the foundation's party members.

* 濮阳市 (seed 001): each of the 10 companies is a pilot project (试点项目) in the
  compound it serves first; its party members (catalog: 4,2,2,1,3,2,1,3,1,2) are
  recorded in the platform, the platform proposes a branch where there are 3 or more
  and the community party committee approves: 3 branches (龙都, 华龙, 金盾), the other 7
  projects' members join their community's organisation. The branches the foundation
  formed (orgs) are linked, not formed twice.
* 嘉峪关市 (seed 000): the red service centre's 5 members form its branch; they wear
  the badge (亮牌上岗、亮身份, consent recorded from signed forms), and hold the three
  posts (党员责任岗、示范岗、先锋岗, 三岗联创) and a responsibility area (党员责任区)
  of buildings; a project decision goes to the party committee, which asks to amend it.
* 武汉市径河 and 南宁二桥西: their companies' members recorded the same way; the Jinghe
  red company (the demo company login) submits a charging decision (0.45 元/m²/month,
  seed 002, answered "agree") and a spending decision still waiting, one overdue.

Every write goes through ``redprop.party.services`` with a user holding the role the
step needs (the demo logins where they fit, else a seeding account without password).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.demo.registry import SeedContext

CITIES = ("puyang", "jiayuguan", "wuhan", "nanning")


class _Actors:
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
            user = User.objects.create(username=f"party_{role}_{target.pk}", is_active=True)
            user.set_unusable_password()
            user.save(update_fields=["password"])
            role_grant(user=user, role=role, acting_user=self.ctx.acting_user, **anchor)
            self.cache[key] = User.objects.get(pk=user.pk)
        return self.cache[key]


def _members_by_company(city: Any) -> dict[int, list[Any]]:
    """The foundation's company party members (orgs.PartyMembership with a work org)."""
    from redprop.orgs.models import PartyMembership

    out: dict[int, list[Any]] = {}
    rows = (
        PartyMembership.objects.filter(work_org__isnull=False, party_org__city=city)
        .select_related("party_org")
        .order_by("work_org_id", "-is_secretary", "id")
    )
    for m in rows:
        out.setdefault(m.work_org_id, []).append(m)  # type: ignore[arg-type]
    return out


def seed_party(ctx: SeedContext) -> None:
    from redprop.accounts.choices import Role
    from redprop.orgs.models import Org
    from redprop.party import services
    from redprop.party.models import BranchProposal
    from redprop.territory.models import Building, Compound, Region

    actors = _Actors(ctx)
    n_consent = 0
    for key in CITIES:
        city = ctx.cities.get(key)
        if city is None:
            continue
        branches = 0
        projects = 0
        for company_id, rows in _members_by_company(city).items():
            company = Org.objects.get(pk=company_id)
            community = Region.objects.get(pk=rows[0].party_org.community_id)
            # The pilot project: the company's first compound in the community whose
            # party organisation its members belong to (else its office).
            compound = (
                Compound.objects.filter(company=company, community=community).order_by("id").first()
            )
            staff = actors.get(Role.COMPANY_STAFF, org=company)
            desk = actors.get(Role.COMMUNITY_STAFF, region=community)
            members = [
                services.member_register(
                    acting_user=staff,
                    company_id=company.pk,
                    # The demo copies the foundation's relation: it reads the sealed
                    # identity (PartyMembership._identity, private to such seeding).
                    person_id=row._identity()["person_id"],
                    compound_id=compound.pk if compound else None,
                    joined_on=row.joined_on,
                )
                for row in rows
            ]
            projects += 1
            proposal = BranchProposal.objects.filter(
                company=company, compound=compound, status="proposed"
            ).first()
            if proposal is not None:
                services.proposal_approve(acting_user=desk, proposal_id=proposal.pk)
                branches += 1
            # About two in three members agree to show their membership on duty.
            for i, m in enumerate(members):
                if ctx.rng.random() < 0.67 or (company.is_red_company and i < 3):
                    n_consent += 1
                    services.consent_grant(
                        acting_user=staff,
                        member_id=m.pk,
                        evidence=f"亮身份同意书 {ctx.today.year}-{n_consent:03d}",
                    )
            _posts(ctx, services, staff, company, compound, members, key, Building)
            _supervision(ctx, services, staff, desk, company, community, key)
        ctx.log(f"物业党建: {city.name} {projects} 个项目登记党员，{branches} 个党支部")


def _posts(
    ctx: SeedContext,
    services: Any,
    staff: Any,
    company: Any,
    compound: Any,
    members: list[Any],
    key: str,
    building_model: Any,
) -> None:
    """三岗联创 in the red companies (seed 000); 示范岗 and 责任区 in Puyang (seed 001)."""
    if company.is_red_company:
        kinds = [
            ("responsibility", "客服接待党员责任岗"),
            ("model", "维修服务党员示范岗"),
            ("vanguard", "应急抢险党员先锋岗"),
        ]
    elif key == "puyang":
        kinds = [("model", "物业服务党员示范岗")]
    else:
        return
    for (kind, title), m in zip(kinds, members, strict=False):
        services.post_create(acting_user=staff, member_id=m.pk, kind=kind, title=title)
    if compound is None:
        return
    buildings = list(building_model.objects.filter(compound=compound).order_by("id")[:4])
    for i, m in enumerate(members[: max(1, len(buildings) // 2)]):
        part = buildings[i * 2 : i * 2 + 2]
        if part:
            services.post_create(
                acting_user=staff,
                member_id=m.pk,
                kind="area",
                title=f"{'、'.join(b.name for b in part)}党员责任区",
                building_ids=[b.pk for b in part],
            )


def _supervision(
    ctx: SeedContext,
    services: Any,
    staff: Any,
    desk: Any,
    company: Any,
    community: Any,
    key: str,
) -> None:
    from django.utils import timezone

    from redprop.party.models import Supervision

    if not company.is_red_company:
        return
    if key == "wuhan":
        fee = services.supervision_submit(
            acting_user=staff,
            company_id=company.pk,
            community_id=community.pk,
            kind="charging",
            title="维持物业费 0.45 元/㎡·月标准",
            detail="下年度继续按 0.45 元/㎡·月收取物业费，缺口由门面、车位租金和政府补贴弥补。",
        )
        services.supervision_opine(
            acting_user=desk, supervision_id=fee.pk, opinion="agree", text="同意，按季度公示收支"
        )
        services.supervision_submit(
            acting_user=staff,
            company_id=company.pk,
            community_id=community.pk,
            kind="spending",
            title="稻香苑二次供水水箱清洗",
            detail="使用公共收益支付水箱清洗消毒费用，报社区党委审核后实施。",
            amount="8600",
        )
        late = services.supervision_submit(
            acting_user=staff,
            company_id=company.pk,
            community_id=community.pk,
            kind="project",
            title="鑫海花城东区监控改造",
            detail="更换小区出入口和楼道监控 32 路，施工单位比选结果报社区党委。",
            amount="46000",
        )
        # Aged so the queue shows an overdue item (the service only takes future
        # deadlines; overdue is judged against the real date, not ctx.today).
        Supervision.objects.filter(pk=late.pk).update(
            due_on=timezone.localdate() - dt.timedelta(days=3),
        )
    elif key == "jiayuguan":
        lift = services.supervision_submit(
            acting_user=staff,
            company_id=company.pk,
            community_id=community.pk,
            kind="project",
            title="老旧小区电梯维保单位选定",
            detail="服务的 19 个小区电梯维保统一招标，拟选定一家维保单位，报社区党委审核。",
            amount="380000",
        )
        services.supervision_opine(
            acting_user=desk,
            supervision_id=lift.pk,
            opinion="amend",
            text="请先在各小区公示比选结果，听取业主委员会意见后实施",
        )
