"""Regressions found in review of the foundation."""

import pytest
from django.contrib.auth import authenticate

from redprop.conftest import PASSWORD
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


@pytest.mark.parametrize(
    "url", ["/admin/people/persontag/1/change/", "/admin/orgs/crossappointment/"]
)
def test_admin_pages_without_scope_columns_do_not_crash(world, url):
    resp = world.client("community_staff").get(url)
    assert resp.status_code in (200, 302, 403)


def test_admin_masks_minor_names(world):
    child = person_create(name="王小明", id_number="450105201506010022", acting_user=None)
    territory.occupancy_add(unit=world.unit, person=child, relation="child", acting_user=None)
    body = (
        world.client("community_staff")
        .get(f"/admin/people/person/{child.pk}/change/")
        .content.decode()
    )
    assert "王小明" not in body
    assert "王**" in body


def test_grid_set_staff_keeps_what_is_not_given(world):
    worker = world.grid.maintenance_worker
    territory.grid_set_staff(
        grid=world.grid, butler=world.users["community_staff"], acting_user=None
    )
    world.grid.refresh_from_db()
    assert world.grid.maintenance_worker == worker


def test_shared_mobile_does_not_log_anyone_in(world):
    from redprop.accounts.services import user_create

    twin = person_create(name="同号人", mobile="13812341234", acting_user=None)
    user_create(username="twin", password=PASSWORD, person=twin, acting_user=None)
    assert authenticate(username="13812341234", password=PASSWORD) is None
    assert authenticate(username="t_resident", password=PASSWORD) == world.users["resident"]


def test_resident_reads_own_person_record(world):
    resp = world.client("resident").get(f"/api/v1/people/{world.resident.pk}")
    assert resp.status_code == 200
    assert resp.json()["mobile"] == "138****1234"
    assert world.client("resident").get(f"/api/v1/people/{world.resident_b.pk}").status_code == 404


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


def test_access_log_cannot_be_deleted(world):
    from redprop.people.models import PiiAccessLog
    from redprop.people.services import person_reveal

    person_reveal(
        person=world.resident,
        field="mobile",
        reason="测试",
        acting_user=world.users["community_staff"],
    )
    with pytest.raises(RuntimeError):
        PiiAccessLog.objects.get().delete()
