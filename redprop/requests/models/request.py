"""The request, its timeline, checkpoints, followers, photos, ratings and idempotency keys."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel, scope_column
from redprop.requests.choices import (
    Channel,
    EventKind,
    PhotoKind,
    RatingSource,
    Satisfaction,
    Severity,
    Status,
)
from redprop.requests.models.policy import Category, SlaPolicy


class ServiceRequest(ScopedModel):
    """A resident's order (居民下单) and everything that happens to it."""

    resident_scope_repeats_rows = False  # resident_scope_q uses EXISTS
    # Every index is written on every filing: the single-column indexes Django adds to
    # foreign keys are left out where a composite index below starts with the same
    # column, or where only rare deletes of the referenced row would use them
    # (categories, policies and users are switched off, not deleted).
    street = scope_column("territory.Region", _("街道"), db_index=False)
    community = scope_column("territory.Region", _("社区"), db_index=False)
    grid = scope_column("territory.Grid", _("网格"), db_index=False)
    # Set on the instance request_file returns (not columns): what it just wrote, so a
    # caller can answer without reading the request back (docs/adr/0006-lean-intake.md).
    new_events: list[RequestEvent]
    new_photos: list[RequestPhoto]

    status = models.CharField(
        _("状态"), max_length=24, choices=Status.choices, default=Status.SUBMITTED
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="+", verbose_name=_("分类"), db_index=False
    )
    severity = models.CharField(_("等级"), max_length=16, choices=Severity.choices)
    urgent = models.BooleanField(_("紧急"), default=False)
    description = models.TextField(_("问题描述"))
    # The description's characters and bigrams (requests.search.document_tokens),
    # written with the description; a GIN index on PostgreSQL finds Chinese words.
    search_text = models.TextField(_("检索词元"), blank=True, default="", editable=False)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
        db_index=False,
    )
    building = models.ForeignKey(
        "territory.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    unit = models.ForeignKey(
        "territory.Unit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("房屋"),
    )
    location_text = models.CharField(_("位置说明"), max_length=128, blank=True)
    reporter = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("反映人"),
        db_index=False,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
        db_index=False,
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    external_ref = models.CharField(_("外部编号"), max_length=64, blank=True)

    handling_org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承办单位"),
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
        db_index=False,
    )
    policy = models.ForeignKey(
        SlaPolicy,
        models.PROTECT,
        related_name="+",
        verbose_name=_("时限规则"),
        db_index=False,
    )
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_requests",
        verbose_name=_("合并至"),
    )
    paused_from = models.CharField(_("暂停前状态"), max_length=24, blank=True)
    # The policy's clocks copied at filing: later edits of the policy do not change
    # how this request is judged. {"respond": min, "resolve": min, "plan": min,
    # "calendar": spec, "warn_ratio": float, "escalate": [min...], "respond_event": str}
    sla = models.JSONField(_("时限快照"), default=dict)

    # SLA: derived from the timeline by requests.sla, stored for indexed lists.
    clock_started_at = models.DateTimeField(_("计时开始"), null=True, blank=True)
    respond_due_at = models.DateTimeField(_("响应时限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    plan_due_at = models.DateTimeField(_("方案时限"), null=True, blank=True)
    next_sla_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    responded_at = models.DateTimeField(_("响应时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    breached = models.BooleanField(_("曾超时"), default=False)
    # A deadline was computed over a year with no holiday table (节假日安排未录入).
    holidays_missing = models.BooleanField(_("节假日安排未录入"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("上报层级"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    rating = models.PositiveSmallIntegerField(
        _("满意度"), choices=Satisfaction.choices, null=True, blank=True
    )
    solved = models.BooleanField(_("问题是否解决"), null=True, blank=True)

    class Meta:
        verbose_name = _("诉求")
        verbose_name_plural = _("诉求")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-id"], name="req_comm_status"),
            models.Index(fields=["community", "-id"], name="req_comm_id"),
            models.Index(fields=["street", "-id"], name="req_street_id"),
            models.Index(fields=["grid", "status"], name="req_grid_status"),
            models.Index(fields=["handling_org", "status"], name="req_org_status"),
            models.Index(fields=["assignee", "status"], name="req_assignee_status"),
            models.Index(fields=["compound", "category", "status"], name="req_dup_lookup"),
            models.Index(fields=["reporter", "-id"], name="req_reporter"),
            # Only the few requests flagged 节假日安排未录入 (dashboards count them).
            models.Index(
                fields=["community"],
                condition=Q(holidays_missing=True),
                name="req_holidays_missing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.category.name if self.category_id else ''}"

    @property
    def number(self) -> str:
        return f"RP{self.pk:08d}" if self.pk else "RP—"

    @property
    def is_open(self) -> bool:
        return self.status not in {Status.CLOSED, Status.CANCELLED, Status.MERGED}

    @property
    def active_due_at(self) -> Any:
        """The deadline that matters now (for sorting and countdowns)."""
        if self.status in {Status.DISPATCHED, Status.ACCEPTED} and self.responded_at is None:
            return self.respond_due_at
        if self.status == Status.PLAN_REQUIRED:
            return self.plan_due_at
        if self.status in {Status.ON_SITE, Status.ACCEPTED, Status.PLAN_SUBMITTED}:
            return self.resolve_due_at
        return None

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(handling_org_id=org_id)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        # EXISTS, not a join: no repeated rows, so no DISTINCT (which pushed the
        # detail query past PostgreSQL's join-planning threshold: docs/performance.md).
        follows = RequestFollower.objects.filter(request=OuterRef("pk"), person_id=person_id)
        return Q(reporter_id=person_id) | Q(Exists(follows))


class RequestEvent(models.Model):
    """One step on a request's timeline: the single source of every duration and rate."""

    # Read only by request, which the (request, at) index below serves; no index of
    # its own on request, actor or org (written 1–2 times per filing).
    request = models.ForeignKey(
        ServiceRequest,
        models.CASCADE,
        related_name="events",
        verbose_name=_("诉求"),
        db_index=False,
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("事件"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
        db_index=False,
    )
    from_status = models.CharField(_("原状态"), max_length=24, blank=True)
    to_status = models.CharField(_("新状态"), max_length=24, blank=True)
    org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
        db_index=False,
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"], name="reqevent_timeline")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class SlaCheckpoint(models.Model):
    """A warning, breach or escalation that fired. Unique: the clock fires each once."""

    request = models.ForeignKey(ServiceRequest, models.CASCADE, related_name="checkpoints")
    key = models.CharField(max_length=32)  # e.g. "warn:respond", "breach:resolve", "escalate:2"
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("时限提醒记录")
        verbose_name_plural = _("时限提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["request", "key"], name="checkpoint_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.key}"


class RequestFollower(models.Model):
    """ "Me too": a resident whose duplicate was merged, following the survivor."""

    request = models.ForeignKey(ServiceRequest, models.CASCADE, related_name="followers")
    person = models.ForeignKey("people.Person", models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("关注人")
        verbose_name_plural = _("关注人")
        constraints = [
            models.UniqueConstraint(fields=["request", "person"], name="follow_once"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.person_id}"


def photo_path(instance: RequestPhoto, filename: str) -> str:
    now = timezone.localdate()
    return f"requests/{now:%Y/%m}/{instance.request_id}/{instance.token}.jpg"


class RequestPhoto(BaseModel):
    request = models.ForeignKey(ServiceRequest, models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=8, choices=PhotoKind.choices, default=PhotoKind.BEFORE)
    token = models.CharField(max_length=32)
    image = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("照片")
        verbose_name_plural = _("照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Rating(BaseModel):
    """The resident's rating, or a staff member's phone revisit (回访)."""

    request = models.ForeignKey(ServiceRequest, models.CASCADE, related_name="ratings")
    source = models.CharField(max_length=16, choices=RatingSource.choices)
    score = models.PositiveSmallIntegerField(
        _("满意度"), choices=Satisfaction.choices, null=True, blank=True
    )
    solved = models.BooleanField(_("问题是否解决"))
    comment = models.TextField(_("评价内容"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.CheckConstraint(
                condition=Q(source="revisit") | Q(score__isnull=False),
                name="resident_rating_has_score",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.score}"


class IdempotencyKey(models.Model):
    """A POST retried with the same Idempotency-Key returns the first result; the same
    key with other parameters is refused (422, docs/adr/0009-input-limits.md)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    endpoint = models.CharField(max_length=128)
    # SHA-256 of the parameters as validated (canonical JSON; photos by content).
    # Empty on keys stored before it was kept: those replay as before.
    request_hash = models.CharField(max_length=64, blank=True, default="")
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "endpoint"], name="idempotency_once"),
        ]

    def __str__(self) -> str:
        return self.key
