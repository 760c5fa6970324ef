"""City → district → street → community → compound → building → unit, and grids.

Every row carries its ancestors as indexed columns (``ScopedModel``); a region's
column for its own level points at itself, so "community_id = 7" finds the
community, its grids, compounds, buildings, units and everything filed there.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.territory.choices import (
    CompoundKind,
    GridRole,
    ManagementType,
    OccupantRelation,
    RegionLevel,
)
from redprop.territory.places import own_columns

AREA_MIN = Decimal("0.01")


class Region(ScopedModel):
    """An administrative division: city, district, street (街道) or community (社区)."""

    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    name = models.CharField(_("名称"), max_length=64)
    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=RegionLevel.CITY, parent__isnull=True)
                | (~Q(level=RegionLevel.CITY) & Q(parent__isnull=False)),
                name="region_parent_iff_not_city",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def place_columns(self) -> dict[str, int | None]:
        """Its own level's column points at itself; a region is on no grid."""
        cols = own_columns(self)
        cols[f"{self.level}_id"] = self.pk
        cols["grid_id"] = None
        return cols


class Grid(ScopedModel):
    """A 网格: a block of a community's buildings with one butler and one worker (1+1+1+N)."""

    name = models.CharField(_("名称"), max_length=64)
    code = models.CharField(_("编号"), max_length=32, unique=True)
    butler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("物业管家"),
    )
    maintenance_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("维修人员"),
    )
    grid_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区网格员"),
    )

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_name_per_community"),
        ]

    def __str__(self) -> str:
        return self.name

    def place_columns(self) -> dict[str, int | None]:
        return {**own_columns(self), "grid_id": self.pk}


class GridMember(BaseModel):
    """The "N": building heads, volunteers and backing units of a grid."""

    grid = models.ForeignKey(Grid, models.CASCADE, related_name="members", verbose_name=_("网格"))
    role = models.CharField(_("角色"), max_length=24, choices=GridRole.choices)
    person = models.ForeignKey(
        "people.Person",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    org = models.ForeignKey(
        "orgs.Org",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    building = models.ForeignKey(
        "territory.Building",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("负责楼栋"),
    )

    class Meta:
        verbose_name = _("网格成员")
        verbose_name_plural = _("网格成员")
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(org__isnull=False),
                name="gridmember_person_or_org",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.get_role_display()}"


class Compound(ScopedModel):
    """A 小区 (or 村湾) inside one community."""

    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=16, choices=CompoundKind.choices)
    management_type = models.CharField(_("管理方式"), max_length=16, choices=ManagementType.choices)
    company = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="served_compounds",
        verbose_name=_("现物业企业"),
    )
    address = models.CharField(_("地址"), max_length=128, blank=True)
    built_year = models.PositiveSmallIntegerField(_("建成年份"), null=True, blank=True)
    # WGS-84, as Open311 and GPS give them (not GCJ-02: see docs/api/open311.md).
    lat = models.DecimalField(
        _("纬度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    lng = models.DecimalField(
        _("经度"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "name"], name="compound_name_per_community"
            ),
            models.CheckConstraint(
                condition=Q(management_type__in=["commercial", "red"], company__isnull=False)
                | (Q(management_type__in=["self_managed", "none"]) & Q(company__isnull=True)),
                name="compound_company_matches_management",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def place_columns(self) -> dict[str, int | None]:
        """A compound spans grids: what is filed under it is on none."""
        return {**own_columns(self), "grid_id": None}

    @property
    def has_safeguard_service(self) -> bool:
        """No property service: the community provides the basic safeguard (兜底)."""
        return self.management_type == ManagementType.NONE

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)


class CompoundService(BaseModel):
    """Which company served a compound, and when (history of changes)."""

    compound = models.ForeignKey(
        Compound, models.CASCADE, related_name="service_history", verbose_name=_("小区")
    )
    company = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("物业企业"),
    )
    management_type = models.CharField(_("管理方式"), max_length=16, choices=ManagementType.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("物业服务记录")
        verbose_name_plural = _("物业服务记录")
        ordering = ["compound_id", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound"],
                condition=Q(ended_on__isnull=True),
                name="one_current_service_per_compound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.started_on}"


class Building(ScopedModel):
    """A 楼栋. It belongs to exactly one grid (the column makes two grids impossible)."""

    compound = models.ForeignKey(
        Compound, models.PROTECT, related_name="buildings", verbose_name=_("小区")
    )
    name = models.CharField(_("楼栋"), max_length=32)
    floors = models.PositiveSmallIntegerField(_("层数"), default=6)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["compound_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "name"], name="building_name_per_compound"),
        ]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.name}"

    def place_columns(self) -> dict[str, int | None]:
        return own_columns(self)

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(compound__company_id=org_id)


class Unit(ScopedModel):
    """A 房屋/户: one dwelling, its areas, owners and occupants."""

    building = models.ForeignKey(
        Building, models.PROTECT, related_name="units", verbose_name=_("楼栋")
    )
    compound = models.ForeignKey(
        Compound, models.PROTECT, related_name="units", verbose_name=_("小区")
    )
    label = models.CharField(_("门牌"), max_length=32, help_text=_("例如 3栋2单元501"))
    floor_area = models.DecimalField(
        _("建筑面积(m²)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(AREA_MIN)]
    )
    exclusive_area = models.DecimalField(
        _("专有部分面积(m²)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(AREA_MIN)],
    )
    developer_unsold = models.BooleanField(_("开发商未售"), default=False)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building_id", "label"]
        constraints = [
            models.UniqueConstraint(fields=["building", "label"], name="unit_label_per_building"),
            models.CheckConstraint(condition=Q(floor_area__gt=0), name="unit_floor_area_positive"),
            models.CheckConstraint(
                condition=Q(exclusive_area__gt=0) & Q(exclusive_area__lte=models.F("floor_area")),
                name="unit_exclusive_area_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def place_columns(self) -> dict[str, int | None]:
        return own_columns(self)

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(compound__company_id=org_id)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(occupants__person_id=person_id) | Q(owners__person_id=person_id)


class Ownership(BaseModel):
    """An owner of a unit: a person, or the developer for an unsold unit."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="owners", verbose_name=_("房屋"))
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="ownerships",
        verbose_name=_("产权人"),
    )
    developer = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("开发商"),
    )
    share = models.DecimalField(_("份额"), max_digits=5, decimal_places=4, default=Decimal(1))

    class Meta:
        verbose_name = _("产权人")
        verbose_name_plural = _("产权人")
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False) & Q(developer__isnull=True))
                | (Q(person__isnull=True) & Q(developer__isnull=False)),
                name="ownership_person_xor_developer",
            ),
            models.UniqueConstraint(
                fields=["unit", "person"],
                condition=Q(person__isnull=False),
                name="ownership_person_once_per_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.person or self.developer}"


class Occupancy(BaseModel):
    """A person living in a unit, with their relation to the household head."""

    unit = models.ForeignKey(Unit, models.CASCADE, related_name="occupants", verbose_name=_("房屋"))
    person = models.ForeignKey(
        "people.Person", models.CASCADE, related_name="occupancies", verbose_name=_("居住人")
    )
    relation = models.CharField(_("与户主关系"), max_length=16, choices=OccupantRelation.choices)
    since = models.DateField(_("入住日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("居住人")
        verbose_name_plural = _("居住人")
        constraints = [
            models.UniqueConstraint(fields=["unit", "person"], name="occupancy_once"),
            models.UniqueConstraint(
                fields=["unit"], condition=Q(relation="head"), name="one_head_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.person}"
