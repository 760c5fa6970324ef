"""States and kinds of meetings (议事协商), issues (议题) and resolutions (决议)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# 逢四说事: the 4th, 14th and 24th of every month (RFC 5545).
DEFAULT_RULE = "FREQ=MONTHLY;BYMONTHDAY=4,14,24"
DEFAULT_PLACE = "红色物业议事厅"


class MeetingKind(models.TextChoices):
    CONSULTATION = "consultation", _("逢四说事")
    JOINT = "joint", _("联席会议")
    HEARING = "hearing", _("听证会")
    COORDINATION = "coordination", _("协调会")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("筹备中")
    CONVENED = "convened", _("已发通知")
    IN_PROGRESS = "in_progress", _("进行中")
    HELD = "held", _("已召开")
    CLOSED = "closed", _("纪要已发布")
    CANCELLED = "cancelled", _("已取消")


MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingStatus.PLANNED: {MeetingStatus.CONVENED, MeetingStatus.CANCELLED},
    MeetingStatus.CONVENED: {MeetingStatus.IN_PROGRESS, MeetingStatus.CANCELLED},
    MeetingStatus.IN_PROGRESS: {MeetingStatus.HELD},
    MeetingStatus.HELD: {MeetingStatus.CLOSED},
    MeetingStatus.CLOSED: set(),
    MeetingStatus.CANCELLED: set(),
}
# Meetings whose agenda may still take issues.
OPEN_MEETING_STATES = frozenset({MeetingStatus.PLANNED, MeetingStatus.CONVENED})


class OverrideAction(models.TextChoices):
    MOVED = "moved", _("改期")
    CANCELLED = "cancelled", _("取消")


class Party(models.TextChoices):
    """The sides of a joint meeting (三方联动 / 四位一体) and the rest."""

    COMMUNITY = "community", _("社区")
    PROPERTY_COMPANY = "property_company", _("物业企业")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    RESIDENT = "resident", _("居民代表")
    COBUILDING_UNIT = "cobuilding_unit", _("辖区单位")
    OTHER = "other", _("其他")


class Attendance(models.TextChoices):
    INVITED = "invited", _("已邀请")
    PRESENT = "present", _("已签到")
    ABSENT = "absent", _("缺席")


class CheckinMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    STAFF = "staff", _("工作人员登记")


class IssueStatus(models.TextChoices):
    COLLECTED = "collected", _("已收集")
    ON_AGENDA = "on_agenda", _("已上会")
    RESOLVED = "resolved", _("已形成决议")
    DONE = "done", _("已办结")
    MERGED = "merged", _("已合并")
    DROPPED = "dropped", _("不予上会")


OPEN_ISSUE_STATES = frozenset({IssueStatus.COLLECTED, IssueStatus.ON_AGENDA})


class IssueSource(models.TextChoices):
    RESIDENT = "resident", _("居民提出")
    GRID = "grid", _("网格员/管家提出")
    LIAISON = "liaison", _("三方联动专员提出")
    REQUEST = "request", _("诉求上会")
    CARRIED = "carried", _("上次会议结转")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("待议")
    DISCUSSED = "discussed", _("已议")
    DEFERRED = "deferred", _("暂缓")


class ResolutionStatus(models.TextChoices):
    ADOPTED = "adopted", _("已通过")
    IN_PROGRESS = "in_progress", _("办理中")
    DONE = "done", _("已办结")
    CANCELLED = "cancelled", _("已撤销")


RESOLUTION_TRANSITIONS: dict[str, set[str]] = {
    ResolutionStatus.ADOPTED: {
        ResolutionStatus.IN_PROGRESS,
        ResolutionStatus.DONE,
        ResolutionStatus.CANCELLED,
    },
    # A progress report (进展) keeps it in progress.
    ResolutionStatus.IN_PROGRESS: {
        ResolutionStatus.IN_PROGRESS,
        ResolutionStatus.DONE,
        ResolutionStatus.CANCELLED,
    },
    ResolutionStatus.DONE: {ResolutionStatus.IN_PROGRESS},
    ResolutionStatus.CANCELLED: set(),
}
# A resolution in these states carries its item to the next occurrence's agenda.
UNFINISHED_RESOLUTION_STATES = frozenset({ResolutionStatus.ADOPTED, ResolutionStatus.IN_PROGRESS})


class FollowUpKind(models.TextChoices):
    SERVICE_REQUEST = "service_request", _("诉求工单")
    VOTE = "vote", _("业主表决")


class FeedKind(models.TextChoices):
    COMMUNITY = "community", _("社区议事日历")
    PERSON = "person", _("我的会议日历")
