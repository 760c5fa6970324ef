"""Shared fixtures: a small two-street city built through the services, one user per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.orgs.choices import CompanyType, OrgKind, UnitType
from redprop.orgs.services import org_create
from redprop.people.services import person_create
from redprop.territory import services as territory

PASSWORD = "pw-for-tests-123"

# Valid GB 11643 numbers (checksums computed by stdnum in tests/test_validation).
ADULT_ID = "11010519491231002X"
ADULT_MOBILE = "13812341234"


@dataclass
class World:
    city: Any
    district: Any
    street: Any
    street_b: Any
    community: Any
    community_b: Any
    grid: Any
    grid_2: Any
    grid_b: Any
    company: Any
    company_b: Any
    water: Any
    compound: Any
    compound_b: Any
    building: Any
    building_2: Any
    building_b: Any
    unit: Any
    unit_b: Any
    resident: Any
    resident_b: Any
    users: dict[str, User] = field(default_factory=dict)
    # One user per role anchored in the sibling scope (build_siblings): street B,
    # community B, grid B, company B, a co-building unit of street B, district B.
    siblings: dict[str, User] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        c = Client()
        c.force_login(self.users[role])
        return c


def install_reference_data() -> None:
    """Rows the data migrations install (transactional tests flush them)."""
    from redprop.calendars import models as cal
    from redprop.calendars.library import install_default_calendars
    from redprop.people.choices import DEFAULT_TAGS
    from redprop.people.models import PersonTag
    from redprop.requests.defaults import install_default_policy
    from redprop.requests.models import Category, SlaPolicy, SlaTarget
    from redprop.requests.taxonomy import install_default_categories

    there = set(PersonTag.objects.values_list("code", flat=True))
    PersonTag.objects.bulk_create(
        [
            PersonTag(code=code, name=name, sensitive=sensitive)
            for code, name, sensitive in DEFAULT_TAGS
            if code not in there
        ]
    )
    install_default_categories(Category)
    install_default_calendars(
        cal.HolidayTable, cal.HolidayYear, cal.SpecialDay, cal.WorkCalendar, cal.WorkPeriod
    )
    install_default_policy(SlaPolicy, SlaTarget, cal.WorkCalendar)


def build_world() -> World:
    sys = None
    install_reference_data()
    city = territory.region_create(
        level="city", name="测试市", code="T1", parent=None, acting_user=sys
    )
    district = territory.region_create(
        level="district", name="测试区", code="T1-1", parent=city, acting_user=sys
    )
    street = territory.region_create(
        level="street", name="径河街道", code="T1-1-1", parent=district, acting_user=sys
    )
    street_b = territory.region_create(
        level="street", name="江南街道", code="T1-1-2", parent=district, acting_user=sys
    )
    community = territory.region_create(
        level="community", name="红星社区", code="T1-1-1-1", parent=street, acting_user=sys
    )
    community_b = territory.region_create(
        level="community", name="二桥西社区", code="T1-1-2-1", parent=street_b, acting_user=sys
    )
    company = org_create(
        kind=OrgKind.PROPERTY_COMPANY,
        name="径河红色物业",
        company_type=CompanyType.RED,
        place=street,
        acting_user=sys,
    )
    company_b = org_create(
        kind=OrgKind.PROPERTY_COMPANY,
        name="锦源物业",
        company_type=CompanyType.COMMERCIAL,
        place=street_b,
        acting_user=sys,
    )
    water = org_create(
        kind=OrgKind.COBUILDING_UNIT,
        name="自来水公司",
        unit_type=UnitType.WATER,
        place=street,
        acting_user=sys,
    )
    grid = territory.grid_create(community=community, name="第一网格", code="G1", acting_user=sys)
    grid_2 = territory.grid_create(community=community, name="第二网格", code="G2", acting_user=sys)
    grid_b = territory.grid_create(
        community=community_b, name="二桥西一网格", code="GB1", acting_user=sys
    )
    compound = territory.compound_create(
        community=community,
        name="幸福小区",
        management_type="red",
        company=company,
        acting_user=sys,
    )
    compound_b = territory.compound_create(
        community=community_b,
        name="桥西小区",
        management_type="commercial",
        company=company_b,
        acting_user=sys,
    )
    building = territory.building_create(compound=compound, name="1栋", grid=grid, acting_user=sys)
    building_2 = territory.building_create(
        compound=compound, name="2栋", grid=grid_2, acting_user=sys
    )
    building_b = territory.building_create(
        compound=compound_b, name="1栋", grid=grid_b, acting_user=sys
    )
    resident = person_create(
        name="王建国",
        id_number=ADULT_ID,
        mobile=ADULT_MOBILE,
        tags=["elderly_alone"],
        acting_user=sys,
    )
    resident_b = person_create(name="李桂兰", mobile="13900001111", acting_user=sys)
    unit = territory.unit_create(
        building=building,
        label="1栋1单元101",
        floor_area="89.5",
        exclusive_area="76.2",
        owners=[resident],
        acting_user=sys,
    )
    unit_b = territory.unit_create(
        building=building_b,
        label="1栋1单元201",
        floor_area="70",
        owners=[resident_b],
        acting_user=sys,
    )
    territory.occupancy_add(unit=unit, person=resident, acting_user=sys)
    territory.occupancy_add(unit=unit_b, person=resident_b, acting_user=sys)
    w = World(
        city,
        district,
        street,
        street_b,
        community,
        community_b,
        grid,
        grid_2,
        grid_b,
        company,
        company_b,
        water,
        compound,
        compound_b,
        building,
        building_2,
        building_b,
        unit,
        unit_b,
        resident,
        resident_b,
    )
    anchors: dict[str, dict[str, Any]] = {
        Role.RESIDENT: {"person": resident},
        Role.GRID_BUTLER: {"grid": grid},
        Role.MAINTENANCE_WORKER: {"grid": grid},
        Role.COMPANY_STAFF: {"org": company},
        Role.UNIT_STAFF: {"org": water},
        Role.COMMUNITY_STAFF: {"region": community},
        Role.STREET_OFFICER: {"region": street},
        Role.HOUSING_BUREAU: {"region": city},
        Role.SYSADMIN: {},
        Role.HOTLINE: {"region": street},
    }
    for role, anchor in anchors.items():
        user = user_create(
            username=f"t_{role}",
            password=PASSWORD,
            person=resident if role == Role.RESIDENT else None,
            acting_user=sys,
        )
        role_grant(user=user, role=role, acting_user=sys, **anchor)
        w.users[role] = User.objects.get(pk=user.pk)
    w.users["nobody"] = user_create(username="t_nobody", password=PASSWORD, acting_user=sys)
    street_b_officer = user_create(username="t_street_b", password=PASSWORD, acting_user=sys)
    role_grant(user=street_b_officer, role=Role.STREET_OFFICER, region=street_b, acting_user=sys)
    w.users["street_b"] = User.objects.get(pk=street_b_officer.pk)
    # The community's own desk, which handles disputes and consultations (and 兜底).
    org_create(
        kind=OrgKind.RESIDENTS_COMMITTEE, name="红星社区居委会", place=community, acting_user=sys
    )
    territory.grid_set_staff(
        grid=grid,
        butler=w.users[Role.GRID_BUTLER],
        maintenance_worker=w.users[Role.MAINTENANCE_WORKER],
        acting_user=sys,
    )
    w.grid.refresh_from_db()
    return w


def build_siblings(w: World) -> World:
    """Give every scoped role a twin in the sibling scope (street B and below; for the
    housing bureau an empty district B of the same city): ``w.siblings[role]``.

    The permission matrix (core/tests/test_permission_matrix.py) asks each URL of
    both twins: the one inside the scope of the objects probed and the one beside it.
    """
    sys = None
    water_b = org_create(
        kind=OrgKind.COBUILDING_UNIT,
        name="江南供电所",
        unit_type=UnitType.POWER,
        place=w.street_b,
        acting_user=sys,
    )
    district_b = territory.region_create(
        level="district", name="测试二区", code="T1-2", parent=w.city, acting_user=sys
    )
    anchors: dict[str, dict[str, Any]] = {
        Role.RESIDENT: {"person": w.resident_b},
        Role.GRID_BUTLER: {"grid": w.grid_b},
        Role.MAINTENANCE_WORKER: {"grid": w.grid_b},
        Role.COMPANY_STAFF: {"org": w.company_b},
        Role.UNIT_STAFF: {"org": water_b},
        Role.COMMUNITY_STAFF: {"region": w.community_b},
        Role.STREET_OFFICER: {"region": w.street_b},
        Role.HOUSING_BUREAU: {"region": district_b},
        Role.HOTLINE: {"region": w.street_b},
    }
    for role, anchor in anchors.items():
        user = user_create(
            username=f"t_b_{role}",
            password=PASSWORD,
            person=w.resident_b if role == Role.RESIDENT else None,
            acting_user=sys,
        )
        role_grant(user=user, role=role, acting_user=sys, **anchor)
        w.siblings[role] = User.objects.get(pk=user.pk)
    territory.grid_set_staff(
        grid=w.grid_b,
        butler=w.siblings[Role.GRID_BUTLER],
        maintenance_worker=w.siblings[Role.MAINTENANCE_WORKER],
        acting_user=sys,
    )
    w.grid_b.refresh_from_db()
    return w


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """Put back, committed, what the data migrations install: a reused test database
    lost it when the last session's transactional tests flushed it (pytest-django
    runs those last)."""
    with django_db_blocker.unblock():
        install_reference_data()


@pytest.fixture
def calendars_data(db: Any) -> None:
    """The holiday table CN and the two default calendars (a transactional test
    before may have flushed what the migrations installed)."""
    install_reference_data()


@pytest.fixture
def relay() -> Any:
    """One pass of the outbox relay (``manage.py run_outbox`` runs it in a loop):
    delivers what the services queued, fan-outs included. Returns how many it delivered."""
    from redprop.notifications.services import outbox_sweep

    return lambda **kwargs: outbox_sweep(**kwargs)
