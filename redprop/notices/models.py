"""Notices (通知公告): a message to the people of one place, its attachments, its
timeline and its read receipts. See docs/subsystems/notices.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.notices.choices import NoticeKind, NoticeStatus, TargetLevel

TITLE_MAX = 100
BODY_MAX = 4000


class Notice(ScopedModel):
    """One notice to one place. Its scope columns are the target's (``set_place``):
    a building's notice carries the building's grid, community and street."""

    kind = models.CharField(_("类别"), max_length=24, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=TITLE_MAX)
    body = models.TextField(_("正文"), max_length=BODY_MAX)
    status = models.CharField(
        _("状态"), max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    target_level = models.CharField(_("发布范围层级"), max_length=16, choices=TargetLevel.choices)
    # The id of the Region, Compound, Grid or Building the level names.
    target_id = models.PositiveBigIntegerField(_("发布范围"))
    target_name = models.CharField(_("发布范围名称"), max_length=128)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    building = models.ForeignKey(
        "territory.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    is_public = models.BooleanField(
        _("公开"),
        default=True,
        help_text=_("公开的公告无需登录即可查看；不公开的仅发布范围内居民登录后可见"),
    )
    pinned = models.BooleanField(_("置顶"), default=False)
    publish_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    expire_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    published_at = models.DateTimeField(_("实际发布时间"), null=True, blank=True)
    # The people of the target when it was published (the denominator of its reach).
    audience_size = models.PositiveIntegerField(_("覆盖人数"), default=0)
    closed_at = models.DateTimeField(_("撤回/过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-publish_at", "-id"]
        indexes = [
            models.Index(fields=["target_level", "target_id", "status"], name="notice_target_idx"),
            models.Index(fields=["status", "expire_at"], name="notice_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expire_at__isnull=True) | Q(expire_at__gt=models.F("publish_at")),
                name="notice_window_valid",
            ),
            models.CheckConstraint(
                condition=~Q(target_level="building") | Q(building__isnull=False),
                name="notice_building_target_has_building",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:notice_detail", args=[self.pk])

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        """A property company sees the notices of the compounds it serves."""
        return Q(compound__company_id=org_id)

    def is_live(self, now: object | None = None) -> bool:
        """Published and inside its publish window."""
        now = now or timezone.now()
        return (
            self.status == NoticeStatus.PUBLISHED
            and self.publish_at <= now  # type: ignore[operator]
            and (self.expire_at is None or self.expire_at > now)  # type: ignore[operator]
        )


def attachment_path(instance: NoticeAttachment, filename: str) -> str:
    now = timezone.localdate()
    return f"notices/{now:%Y/%m}/{instance.notice_id}/{instance.token}.{instance.extension}"


class NoticeAttachment(BaseModel):
    """A file of a notice: an image (re-encoded, no EXIF) or a PDF."""

    notice = models.ForeignKey(
        Notice, models.CASCADE, related_name="attachments", verbose_name=_("公告")
    )
    name = models.CharField(_("文件名"), max_length=100)
    token = models.CharField(max_length=32)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("大小"))
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)

    class Meta:
        verbose_name = _("公告附件")
        verbose_name_plural = _("公告附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NoticeEvent(models.Model):
    """One step on a notice's timeline."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="events")
    at = models.DateTimeField(_("时间"), default=timezone.now)
    kind = models.CharField(_("事件"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("公告记录")
        verbose_name_plural = _("公告记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.kind}"


class NoticeRead(models.Model):
    """A read receipt (已读回执): a person of the target opened the notice."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "people.Person", models.CASCADE, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("阅读时间"), default=timezone.now)

    class Meta:
        verbose_name = _("已读回执")
        verbose_name_plural = _("已读回执")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notice_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} ← {self.user_id}"
