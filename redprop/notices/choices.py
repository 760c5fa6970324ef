"""Notice kinds, states and target levels (通知公告)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    COMMUNITY_NEWS = "community_news", _("社区动态")
    PROPERTY_SERVICE = "property_service", _("物业服务通知")
    WATER_CUT = "water_cut", _("停水通知")
    POWER_CUT = "power_cut", _("停电通知")
    POLICY = "policy", _("政策宣传")
    MEETING = "meeting", _("会议通知")
    FEE_DISCLOSURE = "fee_disclosure", _("收费公示")


class NoticeStatus(models.TextChoices):
    """draft → published → withdrawn | expired; a draft may be withdrawn (discarded)."""

    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
    EXPIRED = "expired", _("已过期")


class TargetLevel(models.TextChoices):
    """Where a notice goes: a street, a community, a compound, a grid or a building."""

    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    COMPOUND = "compound", _("小区")
    GRID = "grid", _("网格")
    BUILDING = "building", _("楼栋")


TRANSITIONS: dict[str, set[str]] = {
    NoticeStatus.DRAFT: {NoticeStatus.PUBLISHED, NoticeStatus.WITHDRAWN},
    NoticeStatus.PUBLISHED: {NoticeStatus.WITHDRAWN, NoticeStatus.EXPIRED},
    NoticeStatus.WITHDRAWN: set(),
    NoticeStatus.EXPIRED: set(),
}
OPEN_STATES = frozenset({NoticeStatus.DRAFT, NoticeStatus.PUBLISHED})
CLOSED_STATES = frozenset({NoticeStatus.WITHDRAWN, NoticeStatus.EXPIRED})

# The unit column that names each level's place (Unit has them all).
UNIT_COLUMN = {
    TargetLevel.STREET: "street_id",
    TargetLevel.COMMUNITY: "community_id",
    TargetLevel.COMPOUND: "compound_id",
    TargetLevel.GRID: "grid_id",
    TargetLevel.BUILDING: "building_id",
}
