"""Campaign topics, hazards, severities and the item states (专项整治)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role


class Topic(models.TextChoices):
    FIRE_SAFETY = "fire_safety", _("消防安全")
    FLYING_WIRE = "flying_wire", _("飞线充电")
    FIRE_LANE = "fire_lane", _("消防通道堵塞")
    RUBBISH = "rubbish", _("垃圾清理")
    ILLEGAL_PARKING = "illegal_parking", _("违规停车")


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")
    CLOSED = "closed", _("已结束")


class AreaLevel(models.TextChoices):
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    COMPOUND = "compound", _("小区")


class UnitRole(models.TextChoices):
    """The participating units of a campaign."""

    COMMUNITY = "community", _("社区")
    POLICE = "police", _("派出所")
    HOUSING = "housing", _("住建/房管部门")
    PROPERTY = "property", _("物业企业")
    OTHER = "other", _("其他单位")


class Hazard(models.TextChoices):
    BLOCKED_FIRE_LANE = "blocked_fire_lane", _("占堵消防通道")
    FLYING_WIRE = "flying_wire", _("飞线充电")
    EBIKE_INDOORS = "ebike_indoors", _("电动车楼道停放/入户充电")
    CORRIDOR_CLUTTER = "corridor_clutter", _("楼道堆放杂物")
    EXTINGUISHER = "extinguisher", _("消防器材缺失或失效")
    WIRING = "wiring", _("私拉乱接电线")
    RUBBISH = "rubbish", _("垃圾堆放")
    ILLEGAL_PARKING = "illegal_parking", _("违规停车")
    OTHER = "other", _("其他隐患")


class Severity(models.TextChoices):
    LOW = "low", _("一般")
    MEDIUM = "medium", _("较大")
    HIGH = "high", _("重大")


class ItemStatus(models.TextChoices):
    """found → assigned → fixed → verified; a fix not accepted is rejected back to assigned."""

    FOUND = "found", _("已发现")
    ASSIGNED = "assigned", _("整改中")
    FIXED = "fixed", _("待验收")
    VERIFIED = "verified", _("已销号")


TRANSITIONS: dict[str, set[str]] = {
    ItemStatus.FOUND: {ItemStatus.ASSIGNED},
    ItemStatus.ASSIGNED: {ItemStatus.ASSIGNED, ItemStatus.FIXED},
    ItemStatus.FIXED: {ItemStatus.VERIFIED, ItemStatus.ASSIGNED},
    ItemStatus.VERIFIED: set(),
}
OPEN_STATES = frozenset({ItemStatus.FOUND, ItemStatus.ASSIGNED, ItemStatus.FIXED})
CLOSED_STATES = frozenset({ItemStatus.VERIFIED})

# The service-request category an item spawns, by hazard (requests.taxonomy).
REQUEST_CATEGORY = {
    Hazard.BLOCKED_FIRE_LANE: "fire_lane",
    Hazard.FLYING_WIRE: "fire_lane",
    Hazard.EBIKE_INDOORS: "fire_lane",
    Hazard.CORRIDOR_CLUTTER: "sanitation",
    Hazard.EXTINGUISHER: "public_repair",
    Hazard.WIRING: "power_supply",
    Hazard.RUBBISH: "sanitation",
    Hazard.ILLEGAL_PARKING: "parking",
    Hazard.OTHER: "public_security",
}


# Who does what in a campaign (campaigns.permissions reads them; the selectors too).
ORGANISER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN)
INSPECTOR_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.GRID_BUTLER, Role.SYSADMIN)
UNIT_ROLES = (Role.COMPANY_STAFF, Role.UNIT_STAFF)
READER_ROLES = tuple(r for r in Role if r not in (Role.RESIDENT, Role.HOTLINE))


class DueNotice(models.IntegerChoices):
    """How far the clock has reminded the unit of an item's due date (整改期限)."""

    NONE = 0, _("未提醒")
    DUE_SOON = 1, _("已提醒期限将至")
    OVERDUE = 2, _("已通报逾期")
