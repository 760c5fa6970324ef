from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from redprop.core import inputs
from redprop.core.api_utils import require_perm
from redprop.core.errors import NotFound
from redprop.core.inputs import Area, Id, Text
from redprop.territory import selectors, services
from redprop.territory.models import Building

router = Router(tags=["territory 区域与房屋"])


class CompoundOut(Schema):
    id: int
    name: str
    kind: str
    management_type: str
    company_id: int | None
    community_id: int | None
    unit_count: int


class UnitOut(Schema):
    id: int
    label: str
    compound_id: int
    building_id: int
    grid_id: int | None
    floor_area: Decimal
    exclusive_area: Decimal


class UnitIn(Schema):
    building_id: Id
    label: Text(inputs.LABEL_MAX, required=True)  # type: ignore[valid-type]
    floor_area: Area
    exclusive_area: Area | None = None
    owner_ids: list[Id] = Field([], max_length=inputs.IDS_MAX)


@router.get("/compounds", response=list[CompoundOut])
def compound_list(request: HttpRequest) -> object:
    """Compounds inside the caller's scope (a role with no scope sees none)."""
    return list(selectors.compound_list(scope=request.user.scope_set())[:500])  # type: ignore[union-attr]


@router.get("/units/{unit_id}", response=UnitOut)
def unit_get(request: HttpRequest, unit_id: int) -> object:
    unit = selectors.unit_get(scope=request.user.scope_set(), unit_id=unit_id)  # type: ignore[union-attr]
    if unit is None:
        raise NotFound()
    return unit


@router.post("/units", response={201: UnitOut})
def unit_create(request: HttpRequest, payload: UnitIn) -> object:
    """Register a unit (community staff in scope). Needs at least one owner."""
    from redprop.people.selectors import person_list

    scope = request.user.scope_set()  # type: ignore[union-attr]
    building = selectors.building_list(scope=scope).filter(pk=payload.building_id).first()
    if building is None:
        raise NotFound(_("楼栋不存在或不在您的管辖范围内"))
    require_perm(request, "territory.add_unit", building)
    owners = list(person_list(scope=scope).filter(pk__in=payload.owner_ids))
    if len(owners) != len(set(payload.owner_ids)):
        raise NotFound(_("产权人不存在或不在您的管辖范围内"))
    unit = services.unit_create(
        building=Building.objects.get(pk=building.pk),
        label=payload.label,
        floor_area=payload.floor_area,
        exclusive_area=payload.exclusive_area,
        owners=owners,
        acting_user=request.user,
    )
    return Status(201, unit)
