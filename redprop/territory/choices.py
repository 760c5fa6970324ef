from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")


PARENT_LEVEL = {
    RegionLevel.DISTRICT: RegionLevel.CITY,
    RegionLevel.STREET: RegionLevel.DISTRICT,
    RegionLevel.COMMUNITY: RegionLevel.STREET,
}


class ManagementType(models.TextChoices):
    """Who serves a compound (小区物业管理方式)."""

    COMMERCIAL = "commercial", _("市场化物业企业")
    RED = "red", _("红色物业企业")
    SELF_MANAGED = "self_managed", _("业主自治管理")
    NONE = "none", _("无物业（社区兜底）")


COMPANY_SERVED = frozenset({ManagementType.COMMERCIAL, ManagementType.RED})


class CompoundKind(models.TextChoices):
    COMMODITY = "commodity", _("商品房小区")
    OLD = "old", _("老旧小区")
    RESETTLEMENT = "resettlement", _("还建小区")
    ABANDONED = "abandoned", _("弃管小区")
    VILLAGE = "village", _("村湾")
    DORMITORY = "dormitory", _("单位宿舍")


class GridRole(models.TextChoices):
    """The "N" of 1+1+1+N beside the grid's butler and maintenance worker."""

    BUILDING_HEAD = "building_head", _("楼栋长")
    VOLUNTEER = "volunteer", _("志愿者")
    BACKING_UNIT = "backing_unit", _("后盾单位")
    GRID_WORKER = "grid_worker", _("网格员")


class OccupantRelation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")
