"""The volunteers' vocabulary: team kinds, the activity's and the hours' states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    """The three kinds of team the articles name (DOMAIN.md mechanism 10)."""

    ALLIANCE = "alliance", _("居民服务联盟")
    VANGUARD = "vanguard", _("党员先锋队")
    YOUTH = "youth", _("青年志愿队")


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("报名中")
    ONGOING = "ongoing", _("进行中")
    FINISHED = "finished", _("已结束")
    CANCELLED = "cancelled", _("已取消")


ACTIVITY_TRANSITIONS: dict[str, set[str]] = {
    ActivityStatus.DRAFT: {ActivityStatus.PUBLISHED, ActivityStatus.CANCELLED},
    ActivityStatus.PUBLISHED: {ActivityStatus.ONGOING, ActivityStatus.CANCELLED},
    ActivityStatus.ONGOING: {ActivityStatus.FINISHED},
    ActivityStatus.FINISHED: set(),
    ActivityStatus.CANCELLED: set(),
}

# States in which a volunteer may sign up, and check in or out (with the clock's say).
SIGNUP_OPEN = frozenset({ActivityStatus.PUBLISHED, ActivityStatus.ONGOING})
ATTENDANCE_OPEN = frozenset({ActivityStatus.PUBLISHED, ActivityStatus.ONGOING})
# Whom residents see: not drafts.
PUBLIC_STATES = frozenset(
    {
        ActivityStatus.PUBLISHED,
        ActivityStatus.ONGOING,
        ActivityStatus.FINISHED,
        ActivityStatus.CANCELLED,
    }
)


class SignupStatus(models.TextChoices):
    SIGNED = "signed", _("已报名")
    WITHDRAWN = "withdrawn", _("已取消报名")


class HoursStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已认定")
    REJECTED = "rejected", _("已驳回")


HOURS_TRANSITIONS: dict[str, set[str]] = {
    HoursStatus.PENDING: {HoursStatus.APPROVED, HoursStatus.REJECTED},
    HoursStatus.APPROVED: set(),
    HoursStatus.REJECTED: set(),
}


class EventKind(models.TextChoices):
    CREATED = "created", _("创建活动")
    PUBLISH = "publish", _("发布活动")
    START = "start", _("活动开始")
    FINISH = "finish", _("活动结束")
    CANCEL = "cancel", _("取消活动")
    SIGNUP = "signup", _("报名")
    WITHDRAW = "withdraw", _("取消报名")
    CHECKIN = "checkin", _("签到")
    CHECKOUT = "checkout", _("签退")
    CREDIT = "credit", _("记录服务时长")
    APPROVE = "approve", _("认定服务时长")
    REJECT = "reject", _("驳回服务时长")
