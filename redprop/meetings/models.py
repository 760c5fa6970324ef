"""议事协商: meeting series (逢四说事 by an RFC 5545 rule), meetings, issues (议题),
agenda items, minutes and resolutions (决议), attendance, follow-ups and feeds.

See docs/subsystems/meetings.md and docs/adr/0021-meetings.md.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.meetings.choices import (
    DEFAULT_PLACE,
    DEFAULT_RULE,
    Attendance,
    CheckinMethod,
    FeedKind,
    FollowUpKind,
    IssueSource,
    IssueStatus,
    ItemStatus,
    MeetingKind,
    MeetingStatus,
    OverrideAction,
    Party,
    ResolutionStatus,
)

TITLE_MAX = 80
TEXT_MAX = 2000
MINUTES_MAX = 4000
RULE_MAX = 300
PLACE_MAX = 64


def _resident_communities(person_id: int) -> Any:
    from redprop.territory.models import Unit

    return (
        Unit.objects.filter(Q(occupants__person_id=person_id) | Q(owners__person_id=person_id))
        .values("community_id")
        .distinct()
    )


def new_token() -> str:
    return secrets.token_urlsafe(24)


class MeetingSeries(ScopedModel):
    """A recurring meeting of a community (or one compound): 逢四说事 by default.

    ``rule`` is an RFC 5545 RRULE (``FREQ=MONTHLY;BYMONTHDAY=4,14,24``) expanded from
    ``starts_on`` with python-dateutil; one occurrence can be moved or cancelled
    (``OccurrenceOverride``) without touching the rule.
    """

    name = models.CharField(_("名称"), max_length=TITLE_MAX)
    kind = models.CharField(
        _("会议类型"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.CONSULTATION
    )
    rule = models.CharField(_("重复规则"), max_length=RULE_MAX, default=DEFAULT_RULE)
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("结束日期"), null=True, blank=True)
    start_time = models.TimeField(_("开始时间"))
    duration_minutes = models.PositiveSmallIntegerField(_("时长（分钟）"), default=90)
    place = models.CharField(_("地点"), max_length=PLACE_MAX, default=DEFAULT_PLACE)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("召集人"),
    )
    convener_org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("召集单位"),
    )
    invited_orgs = models.ManyToManyField(
        "orgs.Org", blank=True, related_name="+", verbose_name=_("邀请单位")
    )
    invited_people = models.ManyToManyField(
        "people.Person", blank=True, related_name="+", verbose_name=_("邀请人员")
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("例会")
        verbose_name_plural = _("例会")
        ordering = ["community_id", "name"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(community_id__in=_resident_communities(person_id))


class OccurrenceOverride(BaseModel):
    """One occurrence of a series moved (e.g. the 4th is a holiday) or cancelled."""

    series = models.ForeignKey(
        MeetingSeries, models.CASCADE, related_name="overrides", verbose_name=_("例会")
    )
    original_date = models.DateField(_("原定日期"))
    action = models.CharField(_("处理"), max_length=16, choices=OverrideAction.choices)
    new_start = models.DateTimeField(_("改至"), null=True, blank=True)
    reason = models.CharField(_("原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("例会调整")
        verbose_name_plural = _("例会调整")
        constraints = [
            models.UniqueConstraint(
                fields=["series", "original_date"], name="meeting_override_once"
            ),
            models.CheckConstraint(
                name="meeting_override_moved_has_start",
                condition=~Q(action="moved") | Q(new_start__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.original_date} {self.action}"


class Meeting(ScopedModel):
    """One meeting: an occurrence of a series (made when it is first needed), or a
    one-off joint meeting, hearing or coordination meeting."""

    series = models.ForeignKey(
        MeetingSeries,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("例会"),
    )
    occurrence_date = models.DateField(_("规则日期"), null=True, blank=True)
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=TITLE_MAX)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=PLACE_MAX, default=DEFAULT_PLACE)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("召集人")
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    # Raised to void every check-in link shown before (a photo of the QR code sent away).
    checkin_nonce = models.CharField(max_length=16, default="0", editable=False)
    summary = models.TextField(_("会议纪要摘要"), max_length=MINUTES_MAX, blank=True)
    minutes_published_at = models.DateTimeField(_("纪要发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence_date"],
                name="meeting_one_per_occurrence",
                condition=Q(series__isnull=False),
            ),
            models.CheckConstraint(
                name="meeting_ends_after_start", condition=Q(ends_at__gte=models.F("starts_at"))
            ),
        ]
        indexes = [models.Index(fields=["community", "starts_at"], name="meeting_comm_start")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(community_id__in=_resident_communities(person_id))

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(pk__in=Participant.objects.filter(org_id=org_id).values("meeting_id"))


class Participant(BaseModel):
    """An invited party (an organisation or a person) and their attendance."""

    meeting = models.ForeignKey(
        Meeting, models.CASCADE, related_name="participants", verbose_name=_("会议")
    )
    party = models.CharField(_("参会方"), max_length=20, choices=Party.choices)
    org = models.ForeignKey(
        "orgs.Org", models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("单位")
    )
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("账号"),
    )
    attendance = models.CharField(
        _("出席"), max_length=16, choices=Attendance.choices, default=Attendance.INVITED
    )
    invited = models.BooleanField(_("受邀"), default=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checkin_method = models.CharField(
        _("签到方式"), max_length=8, choices=CheckinMethod.choices, blank=True
    )
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )

    class Meta:
        verbose_name = _("参会方")
        verbose_name_plural = _("参会方")
        ordering = ["meeting", "party", "pk"]
        constraints = [
            models.CheckConstraint(
                name="participant_org_or_person",
                condition=Q(org__isnull=False) | Q(person__isnull=False) | Q(user__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["meeting", "person"],
                name="participant_person_once",
                condition=Q(person__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["meeting", "org"],
                name="participant_org_once",
                condition=Q(org__isnull=False, person__isnull=True, user__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return str(self.person or self.org or self.user)


class Issue(ScopedModel):
    """议题: a matter raised for a meeting, by a resident, a grid worker, the butler,
    the 三方联动专员, or a service request sent to the meeting (上会)."""

    title = models.CharField(_("议题"), max_length=TITLE_MAX)
    description = models.TextField(_("说明"), max_length=TEXT_MAX, blank=True)
    source = models.CharField(_("来源"), max_length=16, choices=IssueSource.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=IssueStatus.choices, default=IssueStatus.COLLECTED
    )
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提出人账号"),
    )
    raised_by_person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提出人"),
    )
    raised_as = models.CharField(_("提出人身份"), max_length=24, blank=True)
    request = models.ForeignKey(
        "requests.ServiceRequest",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="meeting_issues",
        verbose_name=_("关联诉求"),
    )
    # The meeting it was sent to (上会); empty: the next one of the community.
    meeting = models.ForeignKey(
        Meeting,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="sent_issues",
        verbose_name=_("拟上会议"),
    )
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("合并至"),
    )
    supporters = models.PositiveIntegerField(_("附议人数"), default=0)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                name="issue_one_per_request",
                condition=Q(request__isnull=False) & ~Q(status="merged"),
            )
        ]
        indexes = [models.Index(fields=["community", "created_at"], name="issue_comm_created")]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(raised_by_person_id=person_id) | Q(
            community_id__in=_resident_communities(person_id),
            status__in=[IssueStatus.ON_AGENDA, IssueStatus.RESOLVED, IssueStatus.DONE],
        )


class AgendaItem(BaseModel):
    """One issue on one meeting's agenda, in order; its minutes (discussion) and,
    once decided, its resolution. ``carried_count``: how many meetings it was carried
    over from unfinished."""

    meeting = models.ForeignKey(
        Meeting, models.CASCADE, related_name="items", verbose_name=_("会议")
    )
    issue = models.ForeignKey(
        Issue, models.PROTECT, related_name="agenda_items", verbose_name=_("议题")
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    carried_count = models.PositiveSmallIntegerField(_("结转次数"), default=0)
    carried_from = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("结转自"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING
    )
    discussion = models.TextField(_("讨论情况"), max_length=MINUTES_MAX, blank=True)

    class Meta:
        verbose_name = _("议程")
        verbose_name_plural = _("议程")
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "issue"], name="agenda_issue_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.issue}"


class Resolution(BaseModel):
    """决议: what the meeting decided on an agenda item, who answers for it, by when."""

    item = models.OneToOneField(
        AgendaItem, models.CASCADE, related_name="resolution", verbose_name=_("议程")
    )
    # Denormalised for the scope filter and the counts (a resolution lives on after
    # its meeting and is carried with its issue).
    issue = models.ForeignKey(
        Issue, models.PROTECT, related_name="resolutions", verbose_name=_("议题")
    )
    text = models.TextField(_("决议内容"), max_length=TEXT_MAX)
    responsible_org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任单位"),
    )
    responsible_person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("责任人"),
    )
    deadline = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ResolutionStatus.choices,
        default=ResolutionStatus.ADOPTED,
    )
    done_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("决议")
        verbose_name_plural = _("决议")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="resolution_has_responsible",
                condition=Q(responsible_org__isnull=False) | Q(responsible_person__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def meeting(self) -> Meeting:
        return self.item.meeting


def update_photo_path(instance: Any, filename: str) -> str:
    return f"meetings/{instance.resolution_id}/{new_token()[:16]}.jpg"


class ResolutionUpdate(BaseModel):
    """A progress report on a resolution, with a photo."""

    resolution = models.ForeignKey(
        Resolution, models.CASCADE, related_name="updates", verbose_name=_("决议")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("报告人")
    )
    note = models.TextField(_("进展"), max_length=TEXT_MAX)
    status = models.CharField(_("报告后状态"), max_length=16, choices=ResolutionStatus.choices)
    photo = models.ImageField(_("照片"), upload_to=update_photo_path, blank=True)

    class Meta:
        verbose_name = _("决议进展")
        verbose_name_plural = _("决议进展")
        ordering = ["resolution", "created_at", "pk"]

    def __str__(self) -> str:
        return self.note[:40]


class FollowUp(BaseModel):
    """Something a resolution spawned and follows: a service request now, an owners'
    vote once ``redprop.votes`` stores votes. ``status`` mirrors the object's state
    (refreshed by ``services.followup_refresh`` and by the vote's signal)."""

    resolution = models.ForeignKey(
        Resolution, models.CASCADE, related_name="followups", verbose_name=_("决议")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=FollowUpKind.choices)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    label = models.CharField(_("名称"), max_length=TITLE_MAX, blank=True)
    status = models.CharField(_("状态"), max_length=32, blank=True)
    closed = models.BooleanField(_("已结束"), default=False)

    class Meta:
        verbose_name = _("决议跟进事项")
        verbose_name_plural = _("决议跟进事项")
        ordering = ["resolution", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="followup_object_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id}"


class CalendarFeed(BaseModel):
    """A secret iCalendar URL of one subscriber: a community's meetings or their own."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("订阅人")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=FeedKind.choices)
    community = models.ForeignKey(
        "territory.Region",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("社区"),
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = _("日历订阅")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"
