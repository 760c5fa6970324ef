"""志愿服务: teams anchored to a community, volunteers (a Person) with skills, activities
with sign-up, QR check-in and check-out, and the hours credited and approved from them
(docs/subsystems/volunteers.md)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.volunteers.choices import (
    ActivityStatus,
    EventKind,
    HoursStatus,
    SignupStatus,
    TeamKind,
)

CAPACITY_MAX = 500


def _nonce() -> str:
    return secrets.token_hex(8)


def volunteer_communities_q(person_id: int, prefix: str = "") -> Q:
    """Rows of the communities where ``person_id`` lives or volunteers."""
    from redprop.people.models import Person

    lives = Person.objects.filter(pk=person_id).values("community_id")
    serves = Volunteer.objects.filter(person_id=person_id).values("community_id")
    return Q(**{f"{prefix}community_id__in": lives}) | Q(**{f"{prefix}community_id__in": serves})


class Skill(models.Model):
    """A skill volunteers offer (medical, appliance repair, sewing, haircuts…): data."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("志愿技能")
        verbose_name_plural = _("志愿技能")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Team(ScopedModel):
    """A volunteer team of one community (居民服务联盟, 党员先锋队, 青年志愿队)."""

    name = models.CharField(_("队伍名称"), max_length=64)
    kind = models.CharField(_("类型"), max_length=12, choices=TeamKind.choices)
    description = models.CharField(_("简介"), max_length=500, blank=True)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("队长（组织者）"),
    )

    class Meta:
        verbose_name = _("志愿队伍")
        verbose_name_plural = _("志愿队伍")
        ordering = ["community_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="team_name_per_community"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(ScopedModel):
    """A person registered as a volunteer in a community, with skills and teams."""

    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="volunteering", verbose_name=_("人员")
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name=_("队伍"))
    skills = models.ManyToManyField(Skill, blank=True, related_name="+", verbose_name=_("技能"))
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    active = models.BooleanField(_("在册"), default=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["community_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "community"], name="one_volunteer_per_person_community"
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)


class Activity(ScopedModel):
    """A volunteer activity announced with time, place and capacity (weekly clean-up,
    visiting the elderly)."""

    team = models.ForeignKey(
        Team, models.PROTECT, related_name="activities", verbose_name=_("志愿队伍")
    )
    title = models.CharField(_("活动名称"), max_length=64)
    description = models.CharField(_("活动内容"), max_length=1000, blank=True)
    place = models.CharField(_("地点"), max_length=128)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(
        _("名额"), validators=[MinValueValidator(1), MaxValueValidator(CAPACITY_MAX)]
    )
    # Kept under the row lock of every sign-up (select_for_update), never read-then-written
    # outside it: the capacity check and the count are one decision.
    signed_up = models.PositiveSmallIntegerField(_("已报名"), default=0)
    skills = models.ManyToManyField(Skill, blank=True, related_name="+", verbose_name=_("所需技能"))
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=ActivityStatus.choices,
        default=ActivityStatus.DRAFT,
        db_index=True,
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("组织者")
    )
    # Part of the signed QR token: changing it voids every printed or shown code.
    checkin_nonce = models.CharField(max_length=16, default=_nonce, editable=False)
    cancel_reason = models.CharField(_("取消原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(signed_up__lte=models.F("capacity")), name="activity_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return volunteer_communities_q(person_id)

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.signed_up, 0)


class Signup(BaseModel):
    """A volunteer's place in an activity, and their check-in and check-out."""

    activity = models.ForeignKey(
        Activity, models.CASCADE, related_name="signups", verbose_name=_("活动")
    )
    volunteer = models.ForeignKey(
        Volunteer, models.PROTECT, related_name="signups", verbose_name=_("志愿者")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=SignupStatus.choices, default=SignupStatus.SIGNED
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["activity_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="one_signup_each"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_in_at__isnull=False),
                name="checkout_after_checkin",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.volunteer_id}"


class HoursRecord(ScopedModel):
    """The service hours credited for one check-in (one per sign-up: never twice),
    pending until the organiser approves or rejects them."""

    signup = models.OneToOneField(
        Signup, models.PROTECT, related_name="hours", verbose_name=_("报名")
    )
    activity = models.ForeignKey(Activity, models.PROTECT, related_name="hours")
    volunteer = models.ForeignKey(Volunteer, models.PROTECT, related_name="hours")
    # The person, kept here so hours_by_person (read by the party app) is one index scan.
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="+")
    served_on = models.DateField(_("服务日期"), db_index=True)
    hours = models.DecimalField(
        _("服务时长（小时）"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=HoursStatus.choices,
        default=HoursStatus.PENDING,
        db_index=True,
    )
    credited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("服务时长")
        verbose_name_plural = _("服务时长")
        ordering = ["-served_on", "-id"]
        indexes = [models.Index(fields=["person", "status", "served_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gte=0) & Q(hours__lte=24), name="hours_within_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.hours}h {self.status}"

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        return Q(person_id=person_id)


class ActivityEvent(models.Model):
    """The activity's timeline: its steps, sign-ups, check-ins and the hours' decisions."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    signup = models.ForeignKey(Signup, models.CASCADE, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("志愿活动记录")
        verbose_name_plural = _("志愿活动记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
