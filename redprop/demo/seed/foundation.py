"""The foundation seeder: territory, people, organisations, party, demo logins.

Top-level objects (regions, organisations, compounds, buildings, grids, users,
roles, memberships, staff persons) go through the services, so validation runs
and audit rows exist. The thousands of units, residents, ownerships and
occupancies are bulk-inserted, built the same way the services build them
(``set_place``, ``set_id_number``, ``set_mobile``, ``set_sensitive``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.demo.registry import SeedContext
from redprop.demo.seed import catalog as cat
from redprop.demo.seed.foundation_people import (
    AREA_CODES,
    CityState,
    HouseholdSteps,
)
from redprop.demo.seed.geo import compound_point
from redprop.demo.seed.people import PeopleFactory
from redprop.demo.seed.plan import CN_NUMERALS, CommunityPlan, CompoundPlan, plan_city
from redprop.orgs.choices import OrgKind, UnitType
from redprop.orgs.models import Org, PartyMembership
from redprop.orgs.services import (
    org_add_member,
    org_create,
    party_committee_create,
)
from redprop.people.choices import DEFAULT_TAGS
from redprop.people.models import Person, PersonTag
from redprop.people.services import person_create
from redprop.territory import services as territory
from redprop.territory.models import (
    Building,
    Compound,
    Grid,
    Region,
)

DEMO_PASSWORD = "hongse2026"  # every demo login's (printed by demo.logins)


class Foundation(HouseholdSteps):
    """The seeded world's places and organisations (this module) and the people in them
    (``foundation_people.HouseholdSteps``)."""

    def __init__(self, ctx: SeedContext) -> None:
        self.ctx = ctx
        self.rng = ctx.rng
        self.city_index = 0
        self.people = PeopleFactory(ctx.rng, ctx.fake, ctx.today)
        # The default tags come from a data migration; recreate them if a ``flush``
        # has removed them, since residents are tagged by code.
        for code, name, sensitive in DEFAULT_TAGS:
            PersonTag.objects.get_or_create(
                code=code, defaults={"name": name, "sensitive": sensitive}
            )
        self.tags = {t.code: t for t in PersonTag.objects.order_by("code")}
        self.actor = ctx.acting_user

    # --- helpers -----------------------------------------------------------------------
    def days_ago(self, lo: int, hi: int) -> dt.date:
        """A date ``lo``–``hi`` days before today (one draw, whatever the day)."""
        return self.ctx.today - dt.timedelta(days=lo + int(self.rng.random() * (hi - lo)))

    def phone(self, city: cat.CitySpec) -> str:
        """A landline of the city: 8 digits after 027 (Wuhan), 7 after the others."""
        area = AREA_CODES[city.key]
        digits = 8 if area == "027" else 7
        return f"{area}-{self.rng.randrange(2 * 10 ** (digits - 1), 9 * 10 ** (digits - 1))}"

    def staff_person(self, city: cat.CitySpec, place: Any, *, party_member: bool = False) -> Person:
        """A staff member registered through ``person_create`` (validated, audited)."""
        new = self.people.staff(city, party_member=party_member)
        return person_create(**new.staff_kwargs(), place=place, acting_user=self.actor)  # type: ignore[arg-type]

    def user(self, username: str, person: Person | None, *, demo: bool = False) -> User:
        """Demo logins get the demo password; other staff logins have none (set by admin)."""
        return user_create(
            username=username,
            password=DEMO_PASSWORD if demo else None,
            display_name=person.name if person else username,
            person=person,
            acting_user=self.actor,
        )

    # --- the whole foundation ----------------------------------------------------------
    def run(self) -> None:
        states = []
        for i, spec in enumerate(cat.CITIES):
            self.city_index = i
            states.append(self.city(spec))
        self.demo_logins(next(s for s in states if s.spec.key == cat.FOCUS_CITY))

    def city(self, spec: cat.CitySpec) -> CityState:
        ctx = self.ctx
        ctx.log(f"  {spec.name}{spec.district} …")
        city = territory.region_create(
            level="city", name=spec.name, code=spec.code, parent=None, acting_user=self.actor
        )
        district = territory.region_create(
            level="district",
            name=spec.district,
            code=spec.district_code,
            parent=city,
            acting_user=self.actor,
        )
        ctx.cities[spec.key], ctx.districts[spec.key] = city, district
        state = CityState(spec, city, district)
        ctx.housing_bureaus.append(
            org_create(
                kind=OrgKind.HOUSING_BUREAU,
                name=spec.housing_bureau,
                place=city,
                service_phone=self.phone(spec),
                acting_user=self.actor,
            )
        )
        for key, name in spec.developers.items():
            state.developers[key] = org_create(
                kind=OrgKind.DEVELOPER, name=name, place=district, acting_user=self.actor
            )
        ctx.developers.extend(state.developers.values())
        for name in spec.backing_units:
            state.backing.append(
                org_create(
                    kind=OrgKind.COBUILDING_UNIT,
                    name=name,
                    unit_type=UnitType.GOVERNMENT,
                    place=district,
                    acting_user=self.actor,
                )
            )
        ctx.cobuilding_units.extend(state.backing)

        plans = plan_city(spec, self.rng, ctx.scale)
        streets = []
        for i, street_spec in enumerate(spec.streets, start=1):
            street = territory.region_create(
                level="street",
                name=street_spec.name,
                code=f"{spec.district_code}{i:03d}",
                parent=district,
                acting_user=self.actor,
            )
            ctx.streets.append(street)
            streets.append(street)
            self.street_orgs(state, street)
        self.companies(state, streets[0])
        count, made = sum(len(p) for p in plans), 0
        for street, street_plans in zip(streets, plans, strict=True):
            for j, plan in enumerate(street_plans, start=1):
                ctx.progress(
                    (self.city_index + made / count) / len(cat.CITIES),
                    f"{spec.name} {made + 1}/{count}",
                )
                self.community(state, street, f"{street.code}{j:03d}", plan)
                made += 1
        self.organise_companies(state)
        if spec.key == cat.FOCUS_CITY:
            self.land_lost_staff(state)
        return state

    def street_orgs(self, state: CityState, street: Region) -> None:
        spec = state.spec
        short_city, short_street = spec.name.removesuffix("市"), street.name.removesuffix("街道")
        office = org_create(
            kind=OrgKind.STREET_OFFICE,
            name=f"{street.name}办事处",
            place=street,
            service_phone=self.phone(spec),
            acting_user=self.actor,
        )
        self.ctx.street_offices.append(office)
        units = [
            (UnitType.POLICE, f"{spec.name}公安局{spec.district}分局{short_street}派出所"),
            (UnitType.POWER, f"国网{short_city}供电公司{short_street}供电所"),
            (UnitType.WATER, f"{spec.name}自来水公司{short_street}营业所"),
            (UnitType.GAS, f"{spec.name}燃气公司{short_street}服务站"),
        ]
        if spec.heating:  # northern cities: district heating (暖气不热 is a top complaint)
            units.append((UnitType.HEATING, f"{spec.name}热力公司{short_street}供热站"))
        units += [
            (UnitType.SCHOOL, f"{spec.district}{short_street}小学"),
            (UnitType.HOSPITAL, f"{street.name}社区卫生服务中心"),
        ]
        state.street_units[street.pk] = [
            org_create(
                kind=OrgKind.COBUILDING_UNIT,
                name=name,
                unit_type=unit_type,
                place=street,
                service_phone=self.phone(spec),
                acting_user=self.actor,
            )
            for unit_type, name in units
        ]
        self.ctx.cobuilding_units.extend(state.street_units[street.pk])

    def companies(self, state: CityState, first_street: Region) -> None:
        places = {"city": state.city, "district": state.district, "street": first_street}
        for spec in state.spec.companies:
            company = org_create(
                kind=OrgKind.PROPERTY_COMPANY,
                name=spec.name,
                company_type=spec.company_type,
                place=places[spec.place],
                service_phone=self.phone(state.spec),
                acting_user=self.actor,
            )
            state.companies[spec.key] = company
            state.company_place[spec.key] = places[spec.place]
            self.ctx.companies.append(company)
            if company.is_red_company:
                self.ctx.red_companies.append(company)

    # --- one community -----------------------------------------------------------------
    def community(self, state: CityState, street: Region, code: str, plan: CommunityPlan) -> None:
        ctx, spec = self.ctx, state.spec
        community = territory.region_create(
            level="community",
            name=plan.spec.name,
            code=code,
            parent=street,
            acting_user=self.actor,
        )
        ctx.communities.append(community)
        rc = org_create(
            kind=OrgKind.RESIDENTS_COMMITTEE,
            name=f"{community.name}居民委员会",
            place=community,
            service_phone=self.phone(spec),
            acting_user=self.actor,
        )
        ctx.residents_committees[community.pk] = rc
        committee = party_committee_create(
            community=community,
            name=f"中共{street.name}{community.name}委员会",
            acting_user=self.actor,
        )
        ctx.party_committees[community.pk] = committee
        # The community party secretary also chairs the residents' committee (一肩挑).
        secretary = self.staff_person(spec, community, party_member=True)
        org_add_member(
            org=rc,
            person=secretary,
            position="党委书记、居委会主任",
            started_on=self.days_ago(400, 2500),
            acting_user=self.actor,
        )
        PartyMembership.of_person(
            secretary,
            party_org=committee,
            is_secretary=True,
            joined_on=self.days_ago(400, 2500),
        ).save()
        state.secretaries[community.pk] = secretary
        worker = self.staff_person(spec, community, party_member=True)
        org_add_member(
            org=rc,
            person=worker,
            position="社区专干（党务）",
            started_on=self.days_ago(100, 2000),
            acting_user=self.actor,
        )
        PartyMembership.of_person(
            worker, party_org=committee, joined_on=self.days_ago(200, 3000)
        ).save()
        state.party_workers[community.pk] = worker

        grids = self.grids(state, community, plan, rc)
        compounds = [self.compound(state, community, cp) for cp in plan.compounds]
        for i, compound in enumerate(compounds):
            point = compound_point(community.name, i)
            if point is not None:
                territory.compound_set_point(
                    compound=compound, lat=point[0], lng=point[1], acting_user=self.actor
                )
        buildings: dict[tuple[int, int], Building] = {}
        for gi, refs in enumerate(plan.grids):
            for ci, bi in refs:
                bp = plan.compounds[ci].buildings[bi]
                buildings[ci, bi] = territory.building_create(
                    compound=compounds[ci],
                    name=bp.name,
                    grid=grids[gi],
                    floors=bp.floors,
                    acting_user=self.actor,
                )
        ordered = [buildings[key] for key in sorted(buildings)]
        ctx.buildings.extend(ordered)
        residents = self.households(state, plan, compounds, buildings)
        state.residents[community.pk] = residents
        self.owners_committees(plan, compounds, residents)
        self.grid_members(state, street, plan, grids, buildings, residents)
        self.party_members(committee, residents)
        self.residents_committee(rc, residents)
        self.agreements(state, street, community, compounds)

    def grids(
        self, state: CityState, community: Region, plan: CommunityPlan, rc: Org
    ) -> list[Grid]:
        """Each grid with its 1+1+1: butler and maintenance worker (of the company that
        serves most of its households, or of the community if none), and a grid worker."""
        spec, out = state.spec, []
        focus = spec.key == cat.FOCUS_CITY and community.name == cat.FOCUS_COMMUNITY
        for gi, refs in enumerate(plan.grids):
            code = f"{community.code}G{gi + 1}"
            served: Counter[str] = Counter()
            for ci, bi in refs:
                cp = plan.compounds[ci]
                if cp.spec.company:
                    served[cp.spec.company] += len(cp.buildings[bi].units)
            employer = state.companies[served.most_common(1)[0][0]] if served else rc
            place = community
            butler_p = self.staff_person(spec, place)
            worker_p = self.staff_person(spec, place)
            gridworker_p = self.staff_person(spec, place)
            is_demo = focus and gi == 0
            butler = self.user(
                "demo_butler" if is_demo else f"butler_{code}", butler_p, demo=is_demo
            )
            worker = self.user(
                "demo_worker" if is_demo else f"worker_{code}", worker_p, demo=is_demo
            )
            gridworker = self.user(f"gridworker_{code}", gridworker_p)
            grid = territory.grid_create(
                community=community,
                name=f"第{CN_NUMERALS[gi]}网格",
                code=code,
                butler=butler,
                maintenance_worker=worker,
                grid_worker=gridworker,
                acting_user=self.actor,
            )
            role_grant(user=butler, role=Role.GRID_BUTLER, grid=grid, acting_user=self.actor)
            role_grant(user=worker, role=Role.MAINTENANCE_WORKER, grid=grid, acting_user=self.actor)
            for org, person, position in (
                (employer, butler_p, "物业管家"),
                (employer, worker_p, "维修人员"),
                (rc, gridworker_p, "网格员"),
            ):
                org_add_member(
                    org=org,
                    person=person,
                    position=position,
                    # A work phone issued with the post (ADR 0014), from the 199 range
                    # by person id, so the seed's random stream is unchanged.
                    work_phone=f"199{person.pk:08d}",
                    started_on=self.days_ago(30, 1500),
                    acting_user=self.actor,
                )
            if is_demo:
                self.ctx.users[Role.GRID_BUTLER] = butler
                self.ctx.users[Role.MAINTENANCE_WORKER] = worker
                self.ctx.focus["grid"] = grid
            out.append(grid)
        self.ctx.grids.extend(out)
        return out

    def compound(self, state: CityState, community: Region, cp: CompoundPlan) -> Compound:
        """Create a compound with its service history (e.g. abandoned, then taken over)."""
        spec = cp.spec
        company = state.companies[spec.company] if spec.company else None
        current_since = max(
            cp.built_year, state.spec.red_since if company and company.is_red_company else 0
        )
        periods: list[tuple[int, str, Org | None]] = [
            (year, mgmt, state.companies[key] if key else None) for year, mgmt, key in spec.history
        ]
        periods.append(
            (spec.history[-1][0] + 1 if spec.history else current_since, spec.management, company)
        )
        first_year, first_mgmt, first_company = periods[0]
        compound = territory.compound_create(
            community=community,
            name=cp.name,
            kind=spec.kind,
            management_type=first_mgmt,
            company=first_company,
            address=cp.address,
            built_year=cp.built_year,
            since=dt.date(first_year, 3, 1),
            acting_user=self.actor,
        )
        for year, mgmt, comp in periods[1:]:
            compound = territory.compound_change_company(
                compound=compound,
                management_type=mgmt,
                company=comp,
                on=dt.date(year, 3, 1),
                acting_user=self.actor,
            )
        if spec.company:
            state.company_home.setdefault(spec.company, community)
        self.ctx.compounds.append(compound)
        return compound


def build_foundation(ctx: SeedContext) -> None:
    Foundation(ctx).run()
