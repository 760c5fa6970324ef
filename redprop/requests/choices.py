"""States, channels and other fixed vocabularies of service requests (诉求)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")  # 居民下单
    DISPATCHED = "dispatched", _("已派单")  # 社区发单
    RETURNED = "returned", _("已退单")  # 退单: not this unit's matter
    ACCEPTED = "accepted", _("已接单")  # 辖区单位接单
    ON_SITE = "on_site", _("已到场")
    PLAN_REQUIRED = "plan_required", _("待出方案")
    PLAN_SUBMITTED = "plan_submitted", _("方案已提交")
    WAITING_ON_RESIDENT = "waiting_on_resident", _("等待居民")
    RESOLVED = "resolved", _("已办结")
    RATED = "rated", _("已评价")
    REOPENED = "reopened", _("已重办")
    ESCALATED = "escalated", _("已上报")
    CLOSED = "closed", _("已关闭")
    CANCELLED = "cancelled", _("已撤销")
    MERGED = "merged", _("已合并")


CLOSED_STATES = frozenset({Status.CLOSED, Status.CANCELLED, Status.MERGED})
# "Open" for a handler: someone still has to act.
OPEN_STATES = frozenset(set(Status) - CLOSED_STATES - {Status.RESOLVED, Status.RATED})
# States in which the handling unit is working on it (the resolve clock runs).
WORKING_STATES = frozenset(
    {Status.ACCEPTED, Status.ON_SITE, Status.PLAN_REQUIRED, Status.PLAN_SUBMITTED}
)
# States a dispatcher must look at.
DISPATCH_QUEUE_STATES = frozenset(
    {Status.SUBMITTED, Status.RETURNED, Status.REOPENED, Status.ESCALATED}
)

# The one transition map. Every service checks it through the workflow's guard
# (workflow.WORKFLOW: its table covers exactly these edges).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.SUBMITTED: frozenset(
        {Status.DISPATCHED, Status.CANCELLED, Status.MERGED, Status.ESCALATED}
    ),
    Status.DISPATCHED: frozenset(
        {
            Status.DISPATCHED,
            Status.ACCEPTED,
            Status.RETURNED,
            Status.CANCELLED,
            Status.MERGED,
            Status.ESCALATED,
        }
    ),
    Status.RETURNED: frozenset(
        {Status.DISPATCHED, Status.CANCELLED, Status.MERGED, Status.ESCALATED}
    ),
    Status.ACCEPTED: frozenset(
        {
            Status.ON_SITE,
            Status.RESOLVED,
            Status.PLAN_REQUIRED,
            Status.WAITING_ON_RESIDENT,
            Status.RETURNED,
            Status.ESCALATED,
        }
    ),
    Status.ON_SITE: frozenset(
        {Status.RESOLVED, Status.PLAN_REQUIRED, Status.WAITING_ON_RESIDENT, Status.ESCALATED}
    ),
    Status.PLAN_REQUIRED: frozenset(
        {Status.PLAN_SUBMITTED, Status.WAITING_ON_RESIDENT, Status.ESCALATED}
    ),
    Status.PLAN_SUBMITTED: frozenset(
        {Status.RESOLVED, Status.WAITING_ON_RESIDENT, Status.ESCALATED}
    ),
    # Leaving waiting_on_resident returns to the state it paused (checked in the service).
    Status.WAITING_ON_RESIDENT: frozenset(
        {Status.ACCEPTED, Status.ON_SITE, Status.PLAN_REQUIRED, Status.PLAN_SUBMITTED}
    ),
    Status.RESOLVED: frozenset({Status.RATED, Status.REOPENED, Status.CLOSED}),
    Status.RATED: frozenset({Status.CLOSED, Status.REOPENED}),
    Status.REOPENED: frozenset({Status.DISPATCHED, Status.ACCEPTED, Status.ESCALATED}),
    Status.ESCALATED: frozenset({Status.DISPATCHED, Status.CANCELLED, Status.MERGED}),
    Status.CLOSED: frozenset(),
    Status.CANCELLED: frozenset(),
    Status.MERGED: frozenset(),
}


class Channel(models.TextChoices):
    RESIDENT_APP = "app", _("居民端")
    WINDOW = "window", _("一站式服务窗口")
    PATROL = "patrol", _("网格巡查")
    HOTLINE = "hotline", _("12345热线")
    MEETING = "meeting", _("议事会议")


class Matter(models.TextChoices):
    """Whose matter a category is: decides the default route."""

    PROPERTY = "property", _("物业事项")
    COMMUNITY = "community", _("社区事项")
    UNIT = "unit", _("辖区单位事项")


class Severity(models.TextChoices):
    NORMAL = "normal", _("一般问题")  # 5341: solve in 30 min
    MAJOR = "major", _("重大问题")  # 4 h
    COMPLEX = "complex", _("特殊复杂问题")  # written plan in 1 day


class EventKind(models.TextChoices):
    FILED = "filed", _("提交诉求")
    DISPATCHED = "dispatched", _("派单")
    RETURNED = "returned", _("退单")
    ACCEPTED = "accepted", _("接单")
    ASSIGNED = "assigned", _("指派处理人")
    ARRIVED = "arrived", _("到达现场")
    PLAN_REQUIRED = "plan_required", _("需出具方案")
    PLAN_SUBMITTED = "plan_submitted", _("提交方案")
    PAUSED = "paused", _("等待居民（暂停计时）")
    RESUMED = "resumed", _("恢复计时")
    RESOLVED = "resolved", _("办结")
    RATED = "rated", _("评价")
    REVISITED = "revisited", _("电话回访")
    REOPENED = "reopened", _("重新办理")
    CLOSED = "closed", _("关闭")
    CANCELLED = "cancelled", _("撤销")
    MERGED = "merged", _("合并")
    MERGED_IN = "merged_in", _("合并入本单")
    ESCALATED = "escalated", _("上报")
    DEADLINE_WARNING = "deadline_warning", _("临期预警")
    DEADLINE_BREACHED = "deadline_breached", _("超时")
    AUTO_ESCALATED = "auto_escalated", _("超时自动升级")
    NOTE = "note", _("备注")
    PHOTO = "photo", _("上传照片")
    # Sent to a consultation meeting (议事协商, redprop.meetings): not a state change.
    TO_MEETING = "to_meeting", _("上会")


class Satisfaction(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASIC = 3, _("基本满意")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


class RatingSource(models.TextChoices):
    RESIDENT = "resident", _("居民评价")
    REVISIT = "revisit", _("电话回访")


class Clock(models.TextChoices):
    """The three 5341 clocks."""

    RESPOND = "respond", _("响应/到场")
    RESOLVE = "resolve", _("办结")
    PLAN = "plan", _("出具方案")


class TargetUnit(models.TextChoices):
    """What a target's number counts (docs/adr/0015-calendars-and-deadlines.md)."""

    MINUTES = "minutes", _("分钟（按日历计时）")
    WORKING_DAYS = "working_days", _("工作日（到第 N 个工作日下班）")


class AssignmentMode(models.TextChoices):
    GRID_WORKER = "grid_worker", _("网格维修人员")
    LEAST_LOADED = "least_loaded", _("最少在办")
    ROUND_ROBIN = "round_robin", _("轮流")
    NONE = "none", _("由单位接单人认领")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("处理前")
    AFTER = "after", _("处理后")


class EscalationTarget(models.TextChoices):
    """Who an escalation reaches (逐级上报对象), lowest first."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")


# The Jinghe ladder, the default of every policy: grid → community → street.
DEFAULT_ESCALATE_TO: tuple[str, ...] = tuple(EscalationTarget.values)


def default_escalate_to() -> list[str]:
    """The default of ``SlaPolicy.escalate_to`` (a callable: a JSON field's default)."""
    return list(DEFAULT_ESCALATE_TO)
