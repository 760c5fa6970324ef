"""Bad input is refused with a clear error and changes nothing."""

import pytest

from redprop.core.errors import ApplicationError
from redprop.core.models import AuditLog
from redprop.territory import services
from redprop.territory.models import Building, CompoundService, Unit

pytestmark = pytest.mark.django_db


def test_building_cannot_join_a_second_grid(world):
    with pytest.raises(ApplicationError) as exc:
        services.building_assign_grid(building=world.building, grid=world.grid_2, acting_user=None)
    assert exc.value.code == "building_already_in_grid"
    assert Building.objects.get(pk=world.building.pk).grid_id == world.grid.pk


def test_building_moves_after_release_and_units_follow(world):
    services.building_release_grid(building=world.building, acting_user=None)
    services.building_assign_grid(building=world.building, grid=world.grid_2, acting_user=None)
    assert Unit.objects.get(pk=world.unit.pk).grid_id == world.grid_2.pk


def test_grid_of_another_community_refused(world):
    with pytest.raises(ApplicationError) as exc:
        services.building_create(
            compound=world.compound, name="9栋", grid=world.grid_b, acting_user=None
        )
    assert exc.value.code == "grid_other_community"
    assert not Building.objects.filter(name="9栋").exists()


@pytest.mark.parametrize(
    ("floor", "exclusive"), [("0", None), ("-5", None), ("abc", None), ("80", "90"), ("NaN", None)]
)
def test_bad_areas_refused(world, floor, exclusive):
    n = Unit.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.unit_create(
            building=world.building,
            label="X",
            floor_area=floor,
            exclusive_area=exclusive,
            owners=[world.resident],
            acting_user=None,
        )
    assert exc.value.code == "invalid_area"
    assert Unit.objects.count() == n


def test_unit_needs_an_owner(world):
    with pytest.raises(ApplicationError) as exc:
        services.unit_create(
            building=world.building, label="X", floor_area="50", owners=[], acting_user=None
        )
    assert exc.value.code == "owner_required"


def test_unsold_unit_owned_by_developer(world):
    from redprop.orgs.services import org_create

    dev = org_create(kind="developer", name="某开发商", place=world.street, acting_user=None)
    unit = services.unit_create(
        building=world.building,
        label="1栋9单元901",
        floor_area="100",
        owners=None,
        developer=dev,
        acting_user=None,
    )
    assert unit.developer_unsold
    assert unit.owners.get().developer == dev


def test_duplicate_label_refused_cleanly(world):
    with pytest.raises(ApplicationError) as exc:
        services.unit_create(
            building=world.building,
            label="1栋1单元101",
            floor_area="50",
            owners=[world.resident],
            acting_user=None,
        )
    assert exc.value.code == "duplicate_name"


def test_company_change_keeps_history(world):
    services.compound_change_company(
        compound=world.compound, management_type="none", acting_user=None
    )
    history = list(CompoundService.objects.filter(compound=world.compound).order_by("id"))
    assert [h.management_type for h in history] == ["red", "none"]
    assert history[0].ended_on is not None
    assert history[1].ended_on is None


@pytest.mark.parametrize(
    ("mtype", "company_attr", "code"),
    [
        ("red", None, "company_required"),
        ("none", "company", "company_not_allowed"),
        ("commercial", "company", "not_a_company"),  # the red company is not commercial
        ("red", "water", "not_a_company"),
    ],
)
def test_management_type_must_match_company(world, mtype, company_attr, code):
    company = getattr(world, company_attr) if company_attr else None
    n = AuditLog.objects.count()
    with pytest.raises(ApplicationError) as exc:
        services.compound_create(
            community=world.community,
            name="新小区",
            management_type=mtype,
            company=company,
            acting_user=None,
        )
    assert exc.value.code == code
    assert AuditLog.objects.count() == n


def test_region_parent_level_checked(world):
    with pytest.raises(ApplicationError):
        services.region_create(
            level="community", name="x", code="bad", parent=world.district, acting_user=None
        )


def test_api_unit_create_error_shape(world):
    c = world.client("community_staff")
    resp = c.post(
        "/api/v1/territory/units",
        {
            "building_id": world.building.pk,
            "label": "1栋2单元301",
            "floor_area": "0",
            "owner_ids": [world.resident.pk],
        },
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_area"
    assert resp.json()["field"] == "floor_area"
    resp = c.post(
        "/api/v1/territory/units",
        {
            "building_id": world.building.pk,
            "label": "1栋2单元301",
            "floor_area": "60",
            "owner_ids": [],
        },
        content_type="application/json",
    )
    assert resp.json()["code"] == "owner_required"
    resp = c.post(
        "/api/v1/territory/units",
        {
            "building_id": world.building.pk,
            "label": "1栋2单元301",
            "floor_area": "60",
            "owner_ids": [world.resident.pk],
        },
        content_type="application/json",
    )
    assert resp.status_code == 201


def test_api_unit_create_refused_outside_scope_or_role(world):
    payload = {
        "building_id": world.building.pk,
        "label": "z",
        "floor_area": "60",
        "owner_ids": [world.resident.pk],
    }
    assert (
        world.client("street_b")
        .post("/api/v1/territory/units", payload, content_type="application/json")
        .status_code
        == 404
    )
    assert (
        world.client("grid_butler")
        .post("/api/v1/territory/units", payload, content_type="application/json")
        .status_code
        == 403
    )
