"""Mediation cases and petitions (矛盾纠纷调解与信访): the case, its parties, mediators,
sessions, agreement signatures, timeline, deadline checkpoints, and the policy."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.mediation.choices import (
    OPEN_STATES,
    CaseKind,
    DayUnit,
    DisputeType,
    EventKind,
    MediatorKind,
    PartyKind,
    PartySide,
    ReferTo,
    Satisfaction,
    Source,
    Status,
)


class MediationPolicy(models.Model):
    """A place's periods for petitions and disputes, as data (docs/adr/0026).

    The most specific active policy (community, street, district, city, default) is
    copied onto a case when it is registered: a case is judged by the policy in force
    then. The platform default is the national 信访工作条例: 15 days to decide whether
    to accept, 60 days from acceptance to answer, one extension of at most 30 days.
    """

    name = models.CharField(_("名称"), max_length=64)
    region = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("适用区域"),
        help_text=_("留空为全平台默认"),
    )
    effective_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    is_active = models.BooleanField(_("有效"), default=True)
    day_unit = models.CharField(
        _("期限计算方式"), max_length=16, choices=DayUnit.choices, default=DayUnit.CALENDAR
    )
    petition_accept_days = models.PositiveSmallIntegerField(_("信访受理期限（天）"), default=15)
    petition_answer_days = models.PositiveSmallIntegerField(_("信访办结期限（天）"), default=60)
    dispute_accept_days = models.PositiveSmallIntegerField(_("调解受理期限（天）"), default=3)
    dispute_answer_days = models.PositiveSmallIntegerField(_("调解办结期限（天）"), default=30)
    max_extension_days = models.PositiveSmallIntegerField(_("最长延期（天）"), default=30)
    warn_days = models.PositiveSmallIntegerField(_("提前预警（天）"), default=3)
    escalate_after_days = models.JSONField(
        _("超期后逐级上报（天）"),
        default=list,
        blank=True,
        help_text=_("例如 [0, 5]：超期即报街道，5 天后报房管部门"),
    )

    class Meta:
        verbose_name = _("调解与信访期限规则")
        verbose_name_plural = _("调解与信访期限规则")
        ordering = ["-effective_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    petition_accept_days__gte=1,
                    petition_accept_days__lte=366,
                    petition_answer_days__gte=1,
                    petition_answer_days__lte=366,
                    dispute_accept_days__gte=1,
                    dispute_accept_days__lte=366,
                    dispute_answer_days__gte=1,
                    dispute_answer_days__lte=366,
                    max_extension_days__lte=366,
                    warn_days__lte=60,
                ),
                name="mediation_policy_days",
                violation_error_message=_("期限须为 1–366 天，预警不超过 60 天"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Case(ScopedModel):
    """A mediation case or a petition (调解案件 / 信访事项), placed in a community."""

    kind = models.CharField(_("类别"), max_length=16, choices=CaseKind.choices)
    dispute_type = models.CharField(_("纠纷类型"), max_length=24, choices=DisputeType.choices)
    source = models.CharField(_("来源"), max_length=24, choices=Source.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    title = models.CharField(_("事由"), max_length=64)
    summary = models.TextField(_("基本情况"), max_length=2000)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    request = models.ForeignKey(
        "requests.ServiceRequest",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="mediation_cases",
        verbose_name=_("来源诉求"),
    )
    external_ref = models.CharField(_("外部编号"), max_length=64, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    received_at = models.DateTimeField(_("收到时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    outcome_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The policy's periods copied at registration (policies.snapshot).
    policy = models.JSONField(_("期限快照"), default=dict)
    accept_due_at = models.DateTimeField(_("受理期限"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    extended_days = models.PositiveSmallIntegerField(_("延期天数"), default=0)
    extension_reason = models.CharField(_("延期理由"), max_length=1000, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    breached = models.BooleanField(_("曾超期"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("上报层级"), default=0)
    agreement_text = models.TextField(_("调解协议内容"), blank=True, max_length=4000)
    follow_up_on = models.DateField(_("回访日期"), null=True, blank=True)
    agreement_kept = models.BooleanField(_("协议已履行"), null=True, blank=True)
    answer_text = models.TextField(_("答复意见"), blank=True, max_length=4000)
    referred_to = models.CharField(
        _("移交去向"), max_length=16, choices=ReferTo.choices, blank=True
    )
    outcome_note = models.CharField(_("结果说明"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("调解与信访案件")
        verbose_name_plural = _("调解与信访案件")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["community", "received_at"], name="med_comm_received"),
            models.Index(fields=["street", "received_at"], name="med_street_received"),
            models.Index(fields=["city", "received_at"], name="med_city_received"),
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="med_next_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return f"/mediation/{self.pk}/"

    @property
    def number(self) -> str:
        prefix = "XF" if self.kind == CaseKind.PETITION else "TJ"
        return f"{prefix}{self.pk:07d}" if self.pk else f"{prefix}—"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def active_due_at(self) -> Any:
        if self.status == Status.REGISTERED:
            return self.accept_due_at
        if self.status in {Status.ACCEPTED, Status.MEDIATING}:
            return self.answer_due_at
        return None

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        # A party sees their own case (the view hides the other party's data).
        return Q(parties__person_id=person_id)

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        # A company that is a party sees the case through its party view.
        return Q(parties__org_id=org_id)


class CaseParty(models.Model):
    """A party (当事人): a resident, a company, or a household (a unit and its people)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="parties")
    side = models.CharField(_("身份"), max_length=16, choices=PartySide.choices)
    kind = models.CharField(_("类别"), max_length=16, choices=PartyKind.choices)
    person = models.ForeignKey(
        "people.Person", models.PROTECT, null=True, blank=True, related_name="+"
    )
    org = models.ForeignKey("orgs.Org", models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(
        "territory.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=64)
    satisfaction = models.PositiveSmallIntegerField(
        _("满意度"), choices=Satisfaction.choices, null=True, blank=True
    )
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["side", "id"]
        indexes = [
            models.Index(fields=["person"], name="med_party_person"),
            # The counts read only the parties who rated.
            models.Index(
                fields=["case"],
                condition=Q(satisfaction__isnull=False),
                name="med_party_rated",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseMediator(models.Model):
    """A mediator of the case: community staff, the people's mediation committee
    (人民调解委员会) or a lawyer volunteer; a user when they log in."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="mediators")
    kind = models.CharField(_("类别"), max_length=24, choices=MediatorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=32)

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="med_mediator_once"),
        ]
        indexes = [models.Index(fields=["user"], name="med_mediator_user")]

    def __str__(self) -> str:
        return self.name


class CaseSession(models.Model):
    """One mediation session (调解会): when, where, who came, what was said."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=128)
    attendance = models.CharField(_("参加人员"), max_length=500)
    notes = models.TextField(_("调解记录"), max_length=4000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("调解会")
        verbose_name_plural = _("调解会")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"


def signature_path(instance: Signature, filename: str) -> str:
    now = timezone.localdate()
    return f"mediation/{now:%Y/%m}/{instance.case_id}/{instance.token}.jpg"


class Signature(BaseModel):
    """A party's signed agreement page, uploaded as a photo (协议签字页)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="signatures")
    party = models.ForeignKey(CaseParty, models.CASCADE, related_name="signatures")
    token = models.CharField(max_length=32)
    image = models.ImageField(upload_to=signature_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("协议签字")
        verbose_name_plural = _("协议签字")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class CaseEvent(models.Model):
    """One step on a case's timeline: the single source of its history and metrics."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("事件"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="med_event_timeline")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseCheckpoint(models.Model):
    """A warning, breach or escalation that fired; each fires once per case."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="checkpoints")
    key = models.CharField(max_length=32)  # "warn:answer", "breach:accept", "escalate:1"
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("期限提醒记录")
        verbose_name_plural = _("期限提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="med_checkpoint_once"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.key}"
