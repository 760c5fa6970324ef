"""Every write to the territory tree. Each service is atomic and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent
from redprop.territory.choices import (
    COMPANY_SERVED,
    PARENT_LEVEL,
    CompoundKind,
    ManagementType,
    OccupantRelation,
    RegionLevel,
)
from redprop.territory.errors import TerritoryError
from redprop.territory.models import (
    AREA_MIN,
    Building,
    Compound,
    CompoundService,
    Grid,
    Occupancy,
    Ownership,
    Region,
    Unit,
)

if TYPE_CHECKING:
    from redprop.accounts.models import User

_UNSET: Any = object()


@transaction.atomic
def region_create(
    *, level: str, name: str, code: str, parent: Region | None, acting_user: User
) -> Region:
    """Create a city, district, street or community under the right kind of parent."""
    expected = PARENT_LEVEL.get(RegionLevel(level))
    if (expected is None) != (parent is None) or (parent and parent.level != expected):
        raise ApplicationError(
            TerritoryError.INVALID_PARENT, _("上级区域层级不正确"), field="parent"
        )
    region = Region(level=level, name=name, code=code, parent=parent)
    if parent is not None:
        region.set_place(parent)
    region.save()
    region.set_place(region)
    Region.objects.filter(pk=region.pk).update(
        city_id=region.city_id,
        district_id=region.district_id,
        street_id=region.street_id,
        community_id=region.community_id,
    )
    audit(actor=acting_user, event=AuditEvent.REGION_CREATED, target=region)
    return region


@transaction.atomic
def grid_create(
    *,
    community: Region,
    name: str,
    code: str,
    butler: Any = None,
    maintenance_worker: Any = None,
    grid_worker: Any = None,
    acting_user: User,
) -> Grid:
    """Create a 网格 in a community, with its butler and maintenance worker (1+1)."""
    if community.level != RegionLevel.COMMUNITY:
        raise ApplicationError(
            TerritoryError.INVALID_PARENT, _("网格必须属于社区"), field="community"
        )
    grid = Grid(
        name=name,
        code=code,
        butler=butler,
        maintenance_worker=maintenance_worker,
        grid_worker=grid_worker,
    )
    grid.set_place(community)
    _save_unique(grid, _("网格名称或编号已存在"))
    Grid.objects.filter(pk=grid.pk).update(grid_id=grid.pk)
    grid.grid_id = grid.pk
    audit(actor=acting_user, event=AuditEvent.GRID_CREATED, target=grid)
    return grid


@transaction.atomic
def grid_set_staff(
    *, grid: Grid, butler: Any = _UNSET, maintenance_worker: Any = _UNSET, acting_user: User
) -> Grid:
    """Change the grid's butler and/or maintenance worker; an omitted one stays."""
    grid = Grid.objects.select_for_update().get(pk=grid.pk)
    before = snapshot(grid)
    if butler is not _UNSET:
        grid.butler = butler
    if maintenance_worker is not _UNSET:
        grid.maintenance_worker = maintenance_worker
    grid.save(update_fields=["butler", "maintenance_worker", "updated_at"])
    audit(actor=acting_user, event=AuditEvent.GRID_STAFF_CHANGED, target=grid, before=before)
    return grid


def _check_management(management_type: str, company: Any) -> None:
    from redprop.orgs.choices import OrgKind

    if management_type in COMPANY_SERVED:
        if company is None:
            raise ApplicationError(
                TerritoryError.COMPANY_REQUIRED, _("该管理方式需要指定物业企业"), field="company"
            )
        if company.kind != OrgKind.PROPERTY_COMPANY:
            raise ApplicationError(
                TerritoryError.NOT_A_COMPANY, _("所选单位不是物业企业"), field="company"
            )
        if (management_type == ManagementType.RED) != company.is_red_company:
            raise ApplicationError(
                TerritoryError.NOT_A_COMPANY, _("管理方式与物业企业性质不一致"), field="company"
            )
    elif company is not None:
        raise ApplicationError(
            TerritoryError.COMPANY_NOT_ALLOWED,
            _("自治或无物业小区不能指定物业企业"),
            field="company",
        )


@transaction.atomic
def compound_create(
    *,
    community: Region,
    name: str,
    kind: str = CompoundKind.OLD,
    management_type: str,
    company: Any = None,
    address: str = "",
    built_year: int | None = None,
    since: dt.date | None = None,
    acting_user: User,
) -> Compound:
    """Create a 小区 and open its service history."""
    if community.level != RegionLevel.COMMUNITY:
        raise ApplicationError(
            TerritoryError.INVALID_PARENT, _("小区必须属于社区"), field="community"
        )
    _check_management(management_type, company)
    compound = Compound(
        name=name,
        kind=kind,
        management_type=management_type,
        company=company,
        address=address,
        built_year=built_year,
    )
    compound.set_place(community)
    _save_unique(compound, _("本社区已有同名小区"))
    CompoundService.objects.create(
        compound=compound,
        company=company,
        management_type=management_type,
        started_on=since or timezone.localdate(),
    )
    audit(actor=acting_user, event=AuditEvent.COMPOUND_CREATED, target=compound)
    return compound


@transaction.atomic
def compound_set_point(
    *, compound: Compound, lat: Decimal | str, lng: Decimal | str, acting_user: User
) -> Compound:
    """Record the compound's WGS-84 point (what Open311 clients file by)."""
    try:
        lat, lng = Decimal(str(lat)), Decimal(str(lng))
    except InvalidOperation:
        raise ApplicationError(
            TerritoryError.INVALID_POINT, _("坐标须为十进制数"), field="lat"
        ) from None
    if not (lat.is_finite() and lng.is_finite() and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise ApplicationError(TerritoryError.INVALID_POINT, _("坐标超出范围"), field="lat")
    q = Decimal("0.000001")
    before = {"lat": str(compound.lat), "lng": str(compound.lng)}
    compound.lat, compound.lng = lat.quantize(q), lng.quantize(q)
    compound.save(update_fields=["lat", "lng"])
    audit(
        actor=acting_user,
        event=AuditEvent.COMPOUND_POINT_SET,
        target=compound,
        before=before,
        after={"lat": str(compound.lat), "lng": str(compound.lng)},
    )
    return compound


@transaction.atomic
def compound_change_company(
    *,
    compound: Compound,
    management_type: str,
    company: Any = None,
    on: dt.date | None = None,
    acting_user: User,
) -> Compound:
    """Hand a compound to another company (or to self-management / safeguard), keeping history."""
    compound = Compound.objects.select_for_update().get(pk=compound.pk)
    _check_management(management_type, company)
    on = on or timezone.localdate()
    before = snapshot(compound)
    CompoundService.objects.filter(compound=compound, ended_on__isnull=True).update(ended_on=on)
    CompoundService.objects.create(
        compound=compound, company=company, management_type=management_type, started_on=on
    )
    compound.management_type, compound.company = management_type, company
    compound.save(update_fields=["management_type", "company", "updated_at"])
    audit(
        actor=acting_user,
        event=AuditEvent.COMPOUND_COMPANY_CHANGED,
        target=compound,
        before=before,
    )
    return compound


def _check_grid(compound: Compound, grid: Grid | None) -> None:
    if grid is not None and grid.community_id != compound.community_id:
        raise ApplicationError(
            TerritoryError.GRID_OTHER_COMMUNITY, _("网格与小区不属于同一社区"), field="grid"
        )


@transaction.atomic
def building_create(
    *, compound: Compound, name: str, grid: Grid | None, floors: int = 6, acting_user: User
) -> Building:
    _check_grid(compound, grid)
    building = Building(compound=compound, name=name, floors=floors)
    building.set_place(compound)
    building.grid = grid
    _save_unique(building, _("本小区已有同名楼栋"))
    audit(actor=acting_user, event=AuditEvent.BUILDING_CREATED, target=building)
    return building


@transaction.atomic
def building_assign_grid(*, building: Building, grid: Grid, acting_user: User) -> Building:
    """Put a building in a grid. A building already in another grid is refused:
    it must be released first (grids partition the community's buildings)."""
    building = Building.objects.select_for_update().select_related("compound").get(pk=building.pk)
    _check_grid(building.compound, grid)
    if building.grid_id and building.grid_id != grid.pk:
        raise ApplicationError(
            TerritoryError.BUILDING_ALREADY_IN_GRID,
            _("该楼栋已属于其他网格，请先移出原网格"),
            field="grid",
        )
    before = snapshot(building)
    building.grid = grid
    building.save(update_fields=["grid", "updated_at"])
    _move_building_contents(building, grid)
    audit(
        actor=acting_user, event=AuditEvent.BUILDING_GRID_ASSIGNED, target=building, before=before
    )
    return building


@transaction.atomic
def building_release_grid(*, building: Building, acting_user: User) -> Building:
    building = Building.objects.select_for_update().get(pk=building.pk)
    before = snapshot(building)
    building.grid = None
    building.save(update_fields=["grid", "updated_at"])
    _move_building_contents(building, None)
    audit(
        actor=acting_user, event=AuditEvent.BUILDING_GRID_RELEASED, target=building, before=before
    )
    return building


def _move_building_contents(building: Building, grid: Grid | None) -> None:
    """Units and the people living in them follow their building (one UPDATE each)."""
    from redprop.people.models import Person

    Unit.objects.filter(building=building).update(grid=grid)
    Person.objects.filter(occupancies__unit__building=building).update(grid=grid)


def _area(value: Any, field: str) -> Decimal:
    try:
        area = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ApplicationError(
            TerritoryError.INVALID_AREA, _("面积必须是数字"), field=field
        ) from exc
    if not area.is_finite() or area < AREA_MIN:
        raise ApplicationError(TerritoryError.INVALID_AREA, _("面积必须大于 0"), field=field)
    if area >= Decimal("1000000"):
        raise ApplicationError(TerritoryError.INVALID_AREA, _("面积过大"), field=field)
    return area.quantize(Decimal("0.01"))


@transaction.atomic
def unit_create(
    *,
    building: Building,
    label: str,
    floor_area: Any,
    exclusive_area: Any = None,
    owners: list[Any] | None = None,
    developer: Any = None,
    acting_user: User,
) -> Unit:
    """Create a 房屋 with at least one owner: people, or the developer if unsold."""
    floor = _area(floor_area, "floor_area")
    exclusive = _area(exclusive_area if exclusive_area is not None else floor, "exclusive_area")
    if exclusive > floor:
        raise ApplicationError(
            TerritoryError.INVALID_AREA, _("专有部分面积不能大于建筑面积"), field="exclusive_area"
        )
    if not owners and developer is None:
        raise ApplicationError(
            TerritoryError.OWNER_REQUIRED,
            _("房屋必须登记产权人（未售房屋登记开发商）"),
            field="owners",
        )
    unit = Unit(
        building=building,
        compound_id=building.compound_id,
        label=label,
        floor_area=floor,
        exclusive_area=exclusive,
        developer_unsold=not owners,
    )
    unit.set_place(building)
    _save_unique(unit, _("本楼栋已有相同门牌"))
    Ownership.objects.bulk_create(
        [Ownership(unit=unit, person=p) for p in owners or []]
        or [Ownership(unit=unit, developer=developer)]
    )
    for p in owners or []:
        _place_person(p, unit, only_if_unplaced=True)
    audit(
        actor=acting_user,
        event=AuditEvent.UNIT_CREATED,
        target=unit,
        owners=[p.pk for p in owners or []],
        developer=getattr(developer, "pk", None),
    )
    return unit


@transaction.atomic
def occupancy_add(
    *,
    unit: Unit,
    person: Any,
    relation: str = OccupantRelation.HEAD,
    since: dt.date | None = None,
    acting_user: User,
) -> Occupancy:
    """Register a person as living in a unit; the person's place follows the unit."""
    if (
        relation == OccupantRelation.HEAD
        and Occupancy.objects.filter(unit=unit, relation="head").exists()
    ):
        raise ApplicationError(TerritoryError.HEAD_EXISTS, _("该户已有户主"), field="relation")
    occ = Occupancy.objects.create(unit=unit, person=person, relation=relation, since=since)
    _place_person(person, unit)
    audit(
        actor=acting_user,
        event=AuditEvent.OCCUPANCY_ADDED,
        target=unit,
        person=person.pk,
        relation=relation,
    )
    return occ


def _place_person(person: Any, unit: Unit, *, only_if_unplaced: bool = False) -> None:
    """A person's scope columns follow their home; an owner living elsewhere gets the
    unit they own until they are registered where they live."""
    if only_if_unplaced and person.community_id is not None:
        return
    if person.community_id != unit.community_id or person.grid_id != unit.grid_id:
        person.set_place(unit)
        person.save(update_fields=["city", "district", "street", "community", "grid", "updated_at"])


def _save_unique(obj: Any, message: str) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise ApplicationError(TerritoryError.DUPLICATE_NAME, message, field="name") from exc
