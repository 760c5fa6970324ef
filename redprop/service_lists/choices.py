"""The service list's vocabulary (服务清单与双向认领, DOMAIN.md mechanism 9)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from redprop.core.roles import Role


class Side(models.TextChoices):
    """Which list an item is on: what residents need, or what units and volunteers offer."""

    NEED = "need", _("需求")
    RESOURCE = "resource", _("资源")


class ServiceClass(models.TextChoices):
    """The six convenience services (六类便民服务, seed 003, Erqiaoxi)."""

    JIE_MIN_XU = "jie_min_xu", _("解民需")
    BANG_MIN_KUN = "bang_min_kun", _("帮民困")
    WEI_MIN_XIN = "wei_min_xin", _("慰民心")
    LIAO_MIN_JI = "liao_min_ji", _("疗民疾")
    NUAN_MIN_QING = "nuan_min_qing", _("暖民情")
    BIAN_MIN_JI = "bian_min_ji", _("便民急")


class Care(models.TextChoices):
    """一老一小: whom a need or a claimed resource is for (seed 003)."""

    NONE = "", _("无")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    ELDERLY = "elderly", _("老年人")
    CHILD = "child", _("儿童")


# The anonymised form everyone but the roles that may see people tags reads.
CARE_ANONYMOUS = {
    Care.ELDERLY_ALONE: _("一位独居老人"),
    Care.ELDERLY: _("一位老人"),
    Care.CHILD: _("一名儿童"),
    Care.NONE: _("一位居民"),
}
# 一老 / 一小: the two groups the care kinds belong to (the list's filter).
CARE_GROUP = {
    Care.ELDERLY_ALONE: "old",
    Care.ELDERLY: "old",
    Care.CHILD: "young",
}


class Status(models.TextChoices):
    OPEN = "open", _("待认领")
    CLAIMED = "claimed", _("已认领")
    IN_PROGRESS = "in_progress", _("服务中")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATES = frozenset({Status.OPEN, Status.CLAIMED, Status.IN_PROGRESS})
CLOSED_STATES = frozenset({Status.DONE, Status.CANCELLED})
CLAIMED_STATES = frozenset({Status.CLAIMED, Status.IN_PROGRESS, Status.DONE})

TRANSITIONS: dict[str, set[str]] = {
    Status.OPEN: {Status.CLAIMED, Status.CANCELLED},
    Status.CLAIMED: {Status.IN_PROGRESS, Status.OPEN, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.DONE, Status.OPEN, Status.CANCELLED},
    Status.DONE: set(),
    Status.CANCELLED: set(),
}


class EventKind(models.TextChoices):
    POSTED = "posted", _("发布")
    FROM_REQUEST = "from_request", _("由诉求转入")
    CLAIM = "claim", _("认领")
    START = "start", _("开始服务")
    COMPLETE = "complete", _("完成服务")
    RELEASE = "release", _("退回认领")
    CANCEL = "cancel", _("取消")
    SPAWNED_REQUEST = "spawned_request", _("转为诉求工单")


# Who reaches the service list at all (the API's hotline key files requests, nothing else).
VIEW_ROLES = tuple(r for r in Role if r != Role.HOTLINE)
# The community's side: coordinates the list, cancels, hands items back, files requests.
COORDINATOR_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN)
# Who reports a need (居民、网格员上报需求) and who claims a resource for someone.
NEED_ROLES = (
    Role.RESIDENT,
    Role.GRID_BUTLER,
    Role.MAINTENANCE_WORKER,
    Role.COMMUNITY_STAFF,
    Role.SYSADMIN,
)
GRID_ROLES = (Role.GRID_BUTLER, Role.MAINTENANCE_WORKER)
# Who turns a request into a need (the grid worker who visited, the community's desk).
FROM_REQUEST_ROLES = (*GRID_ROLES, Role.COMMUNITY_STAFF, Role.SYSADMIN)
# Staff of co-building units and property companies that signed a 共建协议 with the
# community (or serve a compound in it): offer resources, claim needs.
UNIT_ROLES = (Role.UNIT_STAFF, Role.COMPANY_STAFF)
# Community staff list what volunteers offer (the volunteer teams have no login of their own).
OFFER_ROLES = (*UNIT_ROLES, Role.COMMUNITY_STAFF, Role.SYSADMIN)
# Requests a need may be turned into (the leaf categories of the request taxonomy).
SPAWN_CATEGORY_DEFAULT = "public_repair"
