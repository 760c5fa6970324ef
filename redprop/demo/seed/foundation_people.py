"""The people of the seeded world: households in bulk, owners' and residents'
committees, the grids' members, party members, the companies' party organisation,
integration appointments, land-lost farmers' jobs and the demo logins. A mixin of
``foundation.Foundation``, which holds the state these steps read (``ctx``, ``rng``,
``people``, ``tags``, ``actor``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant
from redprop.core.audit import audit
from redprop.core.models import AuditEvent
from redprop.demo.registry import SeedContext
from redprop.demo.seed import catalog as cat
from redprop.demo.seed.people import Household, NewPerson, PeopleFactory
from redprop.demo.seed.plan import CommunityPlan
from redprop.orgs.choices import OrgKind, PartyOrgKind, UnitType
from redprop.orgs.models import Org, PartyMembership, PartyOrg
from redprop.orgs.services import (
    agreement_create,
    cross_appoint,
    org_add_member,
    org_create,
    party_organise_company,
)
from redprop.people.models import Person, PersonTag
from redprop.people.party_identity import person_bidx
from redprop.territory.choices import CompoundKind, GridRole, ManagementType, OccupantRelation
from redprop.territory.models import (
    Building,
    Compound,
    Grid,
    GridMember,
    Occupancy,
    Ownership,
    Region,
    Unit,
)

AREA_CODES = {"jiayuguan": "0937", "puyang": "0393", "wuhan": "027", "nanning": "0771"}

# What each kind of co-building unit offers and which orders it takes (三单服务).
UNIT_OFFERS: dict[str, tuple[str, str]] = {
    UnitType.POLICE: ("法治宣传、治安巡逻、反诈宣传", "接办治安、消防通道堵塞、充电“飞线”类诉求"),
    UnitType.POWER: ("用电安全检查、老旧线路改造", "接办停电、线路老化类诉求"),
    UnitType.WATER: ("水质检测、管网巡查", "接办停水、水压不足、管道漏水类诉求"),
    UnitType.GAS: ("燃气安全入户检查", "接办燃气泄漏、管道改造类诉求"),
    UnitType.HEATING: ("供暖前管网试压、入户测温", "接办暖气不热、管道跑冒滴漏类诉求"),
    UnitType.SCHOOL: ("场地开放、课后托管、青少年志愿服务", "参与“一小”关爱服务"),
    UnitType.HOSPITAL: ("健康义诊、家庭医生签约", "参与“一老”健康服务（疗民疾）"),
    UnitType.GOVERNMENT: ("党员志愿者、包联网格", "作为后盾单位协调解决网格难题"),
}

LAND_LOST_STAFF = 236  # 径河红色物业 staff hired from land-lost farmers (article 002)
LAND_LOST_POSTS = (("保洁员", 50), ("保安员", 25), ("绿化工", 15), ("维修工", 10))


@dataclass
class Resident:
    """A saved resident and where they live (for picking heads, volunteers, members)."""

    new: NewPerson
    unit: Unit
    compound: Compound
    grid_id: int | None
    relation: str | None  # None: an owner who lives elsewhere

    @property
    def person(self) -> Person:
        return self.new.person


@dataclass
class CityState:
    spec: cat.CitySpec
    city: Region
    district: Region
    companies: dict[str, Org] = field(default_factory=dict)
    developers: dict[str, Org] = field(default_factory=dict)
    # The community whose party committee each company's members join (first served).
    company_home: dict[str, Region] = field(default_factory=dict)
    company_place: dict[str, Region] = field(default_factory=dict)
    street_units: dict[int, list[Org]] = field(default_factory=dict)
    backing: list[Org] = field(default_factory=list)
    residents: dict[int, list[Resident]] = field(default_factory=dict)  # by community id
    secretaries: dict[int, Person] = field(default_factory=dict)  # by community id
    party_workers: dict[int, Person] = field(default_factory=dict)  # 社区专干, by community id


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class HouseholdSteps:
    ctx: SeedContext
    rng: Any
    people: PeopleFactory
    tags: dict[str, PersonTag]
    actor: Any

    # --- households (bulk) -------------------------------------------------------------
    def households(
        self,
        state: CityState,
        plan: CommunityPlan,
        compounds: list[Compound],
        buildings: dict[tuple[int, int], Building],
    ) -> list[Resident]:
        spec = state.spec
        units: list[Unit] = []
        homes: list[tuple[Unit, Household, Compound, dt.date]] = []
        for ci, cp in enumerate(plan.compounds):
            compound = compounds[ci]
            land_lost = spec.key == cat.FOCUS_CITY and cp.spec.kind in (
                CompoundKind.RESETTLEMENT,
                CompoundKind.VILLAGE,
            )
            developer = cp.spec.developer is not None
            for bi, bp in enumerate(cp.buildings):
                building = buildings[ci, bi]
                for up in bp.units:
                    household = self.people.household(
                        spec, cp.spec.kind, developer=developer, land_lost=land_lost
                    )
                    unit = Unit(
                        building=building,
                        compound_id=compound.pk,
                        label=up.label,
                        floor_area=up.floor_area,
                        exclusive_area=up.exclusive_area,
                        developer_unsold=household.developer_unsold,
                    )
                    unit.set_place(building)
                    units.append(unit)
                    moved_in = dt.date(cp.built_year, 1, 1)
                    span = (self.ctx.today - moved_in).days
                    since = moved_in + dt.timedelta(days=int(self.rng.random() * span))
                    homes.append((unit, household, compound, since))
        Unit.objects.bulk_create(units, batch_size=500)
        self.ctx.units.extend(units)
        for (ci, bi), building in sorted(buildings.items()):
            # One audit row per building for its bulk-created units.
            audit(
                actor=self.actor,
                event=AuditEvent.UNIT_CREATED,
                target=building,
                units=len(plan.compounds[ci].buildings[bi].units),
                bulk=True,
            )

        residents: list[Resident] = []
        seen: set[int] = set()
        for unit, household, compound, _ in homes:
            for new, relation in household.occupants:
                new.person.set_place(unit)
                residents.append(Resident(new, unit, compound, unit.grid_id, relation))
                seen.add(id(new))
            for new in household.owners:
                if id(new) not in seen:  # an owner who lives elsewhere
                    new.person.set_place(unit)
                    residents.append(Resident(new, unit, compound, unit.grid_id, None))
                    seen.add(id(new))
        Person.objects.bulk_create([r.person for r in residents], batch_size=500)
        self.ctx.residents.extend(r.person for r in residents)

        through = Person.tags.through
        Person.tags.through.objects.bulk_create(
            [
                through(person_id=r.person.pk, persontag_id=self.tags[code].pk)
                for r in residents
                for code in r.new.plain_tags
            ],
            batch_size=1000,
        )
        developer_of = {
            c.pk: state.developers[cp.spec.developer]
            for c, cp in zip(compounds, plan.compounds, strict=True)
            if cp.spec.developer
        }
        ownerships: list[Ownership] = []
        occupancies: list[Occupancy] = []
        for unit, household, compound, since in homes:
            if household.developer_unsold:
                ownerships.append(Ownership(unit=unit, developer=developer_of[compound.pk]))
            share = Decimal(1) / len(household.owners) if household.owners else Decimal(1)
            ownerships += [
                Ownership(unit=unit, person=o.person, share=share) for o in household.owners
            ]
            occupancies += [
                Occupancy(unit=unit, person=new.person, relation=relation, since=since)
                for new, relation in household.occupants
            ]
        Ownership.objects.bulk_create(ownerships, batch_size=1000)
        Occupancy.objects.bulk_create(occupancies, batch_size=1000)
        return residents

    # --- committees, grids' "N", party ---------------------------------------------------
    def owners_committees(
        self, plan: CommunityPlan, compounds: list[Compound], residents: list[Resident]
    ) -> None:
        """业主委员会 with a five-year term and five owners (fewer in a tiny compound)."""
        for cp, compound in zip(plan.compounds, compounds, strict=True):
            draw = self.rng.random()
            wanted = cp.spec.owners_committee or (
                cp.spec.kind == CompoundKind.COMMODITY and draw < 0.3
            )
            if not wanted:
                continue
            start = self.days_ago(60, 1500)
            committee = org_create(
                kind=OrgKind.OWNERS_COMMITTEE,
                name=f"{compound.name}业主委员会",
                place=compound,
                compound=compound,
                term_start=start,
                term_end=add_years(start, 5),
                acting_user=self.actor,
            )
            self.ctx.owners_committees.append(committee)
            owners = [
                r
                for r in residents
                if r.compound is compound
                and r.new.is_adult
                and r.relation in (None, OccupantRelation.HEAD, OccupantRelation.SPOUSE)
            ]
            chosen = self.rng.sample(owners, min(5, len(owners)))
            for r, position in zip(
                chosen, ("主任", "副主任", "委员", "委员", "委员"), strict=False
            ):
                org_add_member(
                    org=committee,
                    person=r.person,
                    position=position,
                    started_on=start,
                    acting_user=self.actor,
                )

    def grid_members(
        self,
        state: CityState,
        street: Region,
        plan: CommunityPlan,
        grids: list[Grid],
        buildings: dict[tuple[int, int], Building],
        residents: list[Resident],
    ) -> None:
        """The "N": a 楼栋长 per building, volunteers, and a 后盾单位 per grid."""
        members: list[GridMember] = []
        per_grid = None
        if plan.spec.volunteers is not None:
            per_grid = max(1, round(plan.spec.volunteers * self.ctx.scale / len(grids)))
        backing = state.backing or state.street_units[street.pk]
        live_in = [r for r in residents if r.relation not in (None, OccupantRelation.TENANT)]
        for gi, (grid, refs) in enumerate(zip(grids, plan.grids, strict=True)):
            for key in refs:
                building = buildings[key]
                candidates = [
                    r
                    for r in live_in
                    if r.unit.building_id == building.pk and 35 <= r.new.age <= 72
                ]
                if candidates:
                    head = self.rng.choice(candidates)
                    members.append(
                        GridMember(
                            grid=grid,
                            role=GridRole.BUILDING_HEAD,
                            person=head.person,
                            building=building,
                        )
                    )
            count = per_grid or max(1, round(self.rng.randint(6, 12) * self.ctx.scale))
            pool = [r for r in live_in if r.grid_id == grid.pk and 16 <= r.new.age <= 75]
            for r in self.rng.sample(pool, min(count, len(pool))):
                members.append(GridMember(grid=grid, role=GridRole.VOLUNTEER, person=r.person))
            members.append(
                GridMember(grid=grid, role=GridRole.BACKING_UNIT, org=backing[gi % len(backing)])
            )
        GridMember.objects.bulk_create(members)

    def party_members(self, committee: PartyOrg, residents: list[Resident]) -> None:
        """Resident party members belong to their community's party committee."""
        PartyMembership.objects.bulk_create(
            [
                PartyMembership.of_person(
                    r.person, party_org=committee, joined_on=self.days_ago(30, 7000)
                )
                for r in residents
                if r.new.is_party_member
            ],
            batch_size=1000,
        )

    def residents_committee(self, rc: Org, residents: list[Resident]) -> None:
        pool = [
            r
            for r in residents
            if r.relation in (OccupantRelation.HEAD, OccupantRelation.SPOUSE)
            and 30 <= r.new.age <= 62
        ]
        for r, position in zip(
            self.rng.sample(pool, min(4, len(pool))),
            ("副主任", "委员", "委员", "委员"),
            strict=False,
        ):
            org_add_member(
                org=rc,
                person=r.person,
                position=position,
                started_on=self.days_ago(100, 1500),
                acting_user=self.actor,
            )

    def agreements(
        self, state: CityState, street: Region, community: Region, compounds: list[Compound]
    ) -> None:
        """共建协议 with the street's units; in Jinghe also a 红色物业共建协议书 with every
        commercial company serving the community (article 002, 海景北社区)."""
        for org in [*state.street_units[street.pk], *state.backing]:
            resources, duties = UNIT_OFFERS[org.unit_type]
            signed = self.days_ago(90, 1400)
            agreement_create(
                org=org,
                community=community,
                title=f"{community.name}与{org.name}共驻共建协议",
                signed_on=signed,
                expires_on=add_years(signed, 3),
                resources=resources,
                duties=duties,
                acting_user=self.actor,
            )
        if state.spec.key != cat.FOCUS_CITY:
            return
        commercial: list[Org] = []
        for c in compounds:
            if c.management_type == ManagementType.COMMERCIAL and c.company not in commercial:
                commercial.append(c.company)  # type: ignore[arg-type]
        for company in commercial:
            signed = self.days_ago(90, 1400)
            agreement_create(
                org=company,
                community=community,
                title=f"红色物业共建协议书（{community.name}—{company.name}）",
                signed_on=signed,
                expires_on=add_years(signed, 3),
                resources="物业服务人员、物业管理用房",
                duties="执行“5341”快速反应，参加三方联席会议，接受社区党委监督",
                acting_user=self.actor,
            )

    # --- party organisation of companies (组织覆盖) ------------------------------------------
    def organise_companies(self, state: CityState) -> None:
        """Office staff for each company; its party members form a branch under the
        committee of the community it serves first if there are 3 or more, otherwise
        they join that committee (article 001). A branch secretary takes a seat on the
        residents' committee (交叉任职)."""
        spec = state.spec
        for cspec in spec.companies:
            company = state.companies[cspec.key]
            home = state.company_home.get(cspec.key)
            office = [
                self.staff_person(
                    spec, state.company_place[cspec.key], party_member=i < cspec.party_staff
                )
                for i in range(max(2, cspec.party_staff))
            ]
            titles = ["主任", "副主任"] if company.is_red_company else ["总经理", "副总经理"]
            for i, person in enumerate(office):
                org_add_member(
                    org=company,
                    person=person,
                    position=titles[i] if i < len(titles) else "项目经理",
                    started_on=self.days_ago(200, 3000),
                    acting_user=self.actor,
                )
            members = office[: cspec.party_staff]
            if not members or home is None:
                continue
            committee = self.ctx.party_committees[home.pk]
            target = party_organise_company(
                company=company,
                members=members,
                committee=committee,
                formed_on=self.days_ago(200, 2000),
                acting_user=self.actor,
            )
            if target.kind == PartyOrgKind.BRANCH:
                PartyMembership.objects.filter(
                    party_org=target, person_bidx=person_bidx(members[0].pk)
                ).update(is_secretary=True)
                cross_appoint(
                    person=members[0],
                    home_org=company,
                    seat_org=self.ctx.residents_committees[home.pk],
                    position="居委会兼职副主任",
                    started_on=self.days_ago(100, 1500),
                    acting_user=self.actor,
                )
        self.integration_appointments(state)

    def integration_appointments(self, state: CityState) -> None:
        """Jinghe: each community's party secretary is the red company's branch manager
        for the community (社区物业一体化). Nanning: a community party worker guides the
        property company's party building (物业党建指导员)."""
        key = state.spec.key
        for community_id, secretary in state.secretaries.items():
            rc = self.ctx.residents_committees[community_id]
            if key == "wuhan":
                cross_appoint(
                    person=secretary,
                    home_org=rc,
                    seat_org=state.companies["jh_red"],
                    position="分公司经理（兼）",
                    started_on=dt.date(2017, 3, 1),
                    acting_user=self.actor,
                )
            elif key == "nanning":
                cross_appoint(
                    person=state.party_workers[community_id],
                    home_org=rc,
                    seat_org=state.companies["jiayuan"],
                    position="物业党建指导员",
                    started_on=self.days_ago(100, 1200),
                    acting_user=self.actor,
                )
            elif key == "jiayuguan":
                # A retired cadre and party member as 党建指导员 of 锦源物业 (article 000).
                retired = [
                    r
                    for r in state.residents[community_id]
                    if r.new.is_party_member and 60 <= r.new.age <= 75
                ]
                if retired and rc.name.startswith("祁连社区"):
                    org_add_member(
                        org=state.companies["jinyuan"],
                        person=retired[0].person,
                        position="党建指导员",
                        started_on=self.days_ago(100, 1200),
                        acting_user=self.actor,
                    )

    def land_lost_staff(self, state: CityState) -> None:
        """径河红色物业 hires land-lost farmers of the street (236 at scale 1)."""
        pool = [
            r
            for residents in state.residents.values()
            for r in residents
            if "land_lost_farmer" in r.new.plain_tags and 30 <= r.new.age <= 60
        ]
        company = state.companies[cat.FOCUS_COMPANY]
        posts = [p for p, _ in LAND_LOST_POSTS]
        weights = [w for _, w in LAND_LOST_POSTS]
        for r in self.rng.sample(pool, min(self.ctx.k(LAND_LOST_STAFF), len(pool))):
            org_add_member(
                org=company,
                person=r.person,
                position=self.rng.choices(posts, weights=weights)[0],
                started_on=self.days_ago(30, 2900),
                acting_user=self.actor,
            )

    # --- demo logins -------------------------------------------------------------------
    def demo_logins(self, state: CityState) -> None:
        """One login per role, all looking at Wuhan Jinghe (稻香社区 and its first grid).

        demo_butler and demo_worker were made as the first grid's staff (``grids``)."""
        ctx = self.ctx
        community = next(c for c in ctx.communities if c.name == cat.FOCUS_COMMUNITY)
        street = next(s for s in ctx.streets if s.pk == community.street_id)
        grid = ctx.focus["grid"]

        # A real household head of the demo grid, living in their own unit.
        resident = next(
            r
            for r in state.residents[community.pk]
            if r.grid_id == grid.pk
            and r.relation == OccupantRelation.HEAD
            and 30 <= r.new.age <= 65
            and r.new.mobile
        )
        ctx.focus.update(
            city=state.city,
            street=street,
            community=community,
            compound=resident.compound,
            unit=resident.unit,
        )
        user = self.user("demo_resident", resident.person, demo=True)
        role_grant(user=user, role=Role.RESIDENT, person=resident.person, acting_user=self.actor)
        ctx.users[Role.RESIDENT] = user

        company = state.companies[cat.FOCUS_COMPANY]
        water = next(u for u in state.street_units[street.pk] if u.unit_type == UnitType.WATER)
        office = next(o for o in ctx.street_offices if o.street_id == street.pk)
        bureau = next(o for o in ctx.housing_bureaus if o.city_id == state.city.pk)
        self.desk_login(
            state, "demo_company", Role.COMPANY_STAFF, {"org": company}, company, "客服主管", street
        )
        self.desk_login(
            state, "demo_unit", Role.UNIT_STAFF, {"org": water}, water, "营业所工作人员", street
        )
        self.desk_login(
            state,
            "demo_street",
            Role.STREET_OFFICER,
            {"region": street},
            office,
            "物业管理科科员",
            street,
        )
        self.desk_login(
            state,
            "demo_bureau",
            Role.HOUSING_BUREAU,
            {"region": state.city},
            bureau,
            "物业管理科科长",
            state.city,
        )

        # The community's party worker (社区专干) is the community desk login.
        user = self.user("demo_community", state.party_workers[community.pk], demo=True)
        role_grant(user=user, role=Role.COMMUNITY_STAFF, region=community, acting_user=self.actor)
        ctx.users[Role.COMMUNITY_STAFF] = user

        admin = self.user("demo_admin", None, demo=True)
        role_grant(user=admin, role=Role.SYSADMIN, acting_user=self.actor)
        User.objects.filter(pk=admin.pk).update(is_superuser=True, is_staff=True)
        ctx.users[Role.SYSADMIN] = admin
        # Reload: fresh flags (is_staff, is_superuser) and no cached roles.
        for role, u in list(ctx.users.items()):
            ctx.users[role] = User.objects.get(pk=u.pk)

    def desk_login(
        self,
        state: CityState,
        username: str,
        role: str,
        anchor: dict[str, Any],
        employer: Org,
        position: str,
        place: Region,
    ) -> None:
        """A staff member of ``employer`` with a demo login and one role."""
        person = self.staff_person(state.spec, place)
        org_add_member(
            org=employer,
            person=person,
            position=position,
            started_on=self.days_ago(100, 2000),
            acting_user=self.actor,
        )
        user = self.user(username, person, demo=True)
        role_grant(user=user, role=role, acting_user=self.actor, **anchor)
        self.ctx.users[role] = user
