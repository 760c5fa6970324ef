"""Regressions found in review of the foundation (territory)."""

import pytest

from redprop.people.models import Person
from redprop.people.services import person_create
from redprop.territory import services as territory
from redprop.territory.models import Unit

pytestmark = pytest.mark.django_db


def test_residents_follow_their_building_between_grids(world):
    territory.building_release_grid(building=world.building, acting_user=None)
    territory.building_assign_grid(building=world.building, grid=world.grid_2, acting_user=None)
    assert Person.objects.get(pk=world.resident.pk).grid_id == world.grid_2.pk


def test_resident_scope_rows_do_not_repeat(world):
    spouse = person_create(name="王太太", acting_user=None)
    territory.occupancy_add(unit=world.unit, person=spouse, relation="spouse", acting_user=None)
    scope = world.users["resident"].scope_set()
    assert list(scope.filter(Unit.objects.all()).values_list("pk", flat=True)) == [world.unit.pk]
    people = list(scope.filter(Person.objects.all()).values_list("pk", flat=True))
    assert sorted(people) == sorted({world.resident.pk, spouse.pk})


def test_grid_set_staff_keeps_what_is_not_given(world):
    worker = world.grid.maintenance_worker
    territory.grid_set_staff(
        grid=world.grid, butler=world.users["community_staff"], acting_user=None
    )
    world.grid.refresh_from_db()
    assert world.grid.maintenance_worker == worker


def test_owner_living_elsewhere_is_placed_at_the_unit_they_own(world):
    owner = person_create(name="外地业主", acting_user=None)
    unit = territory.unit_create(
        building=world.building_2,
        label="2栋1单元101",
        floor_area="60",
        owners=[owner],
        acting_user=None,
    )
    owner.refresh_from_db()
    assert owner.community_id == unit.community_id
