"""Special campaigns (专项整治): a campaign over an area and a period with its
participating units and checklist; the hazards found on patrol, each through
found → assigned → fixed → verified. See docs/subsystems/campaigns.md."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.campaigns.choices import (
    AreaLevel,
    CampaignStatus,
    Hazard,
    ItemStatus,
    Severity,
    Topic,
    UnitRole,
)
from redprop.core import clock
from redprop.core.models import BaseModel, ScopedModel

TITLE_MAX = 100
TEXT_MAX = 1000
CHECKLIST_MAX = 30
CHECK_MAX = 100


class Campaign(ScopedModel):
    """A 专项整治 over an area (street, community or compound) and a period."""

    title = models.CharField(_("名称"), max_length=TITLE_MAX)
    topic = models.CharField(_("主题"), max_length=24, choices=Topic.choices)
    area_level = models.CharField(_("范围层级"), max_length=16, choices=AreaLevel.choices)
    area_id = models.PositiveBigIntegerField(_("范围"))
    area_name = models.CharField(_("范围名称"), max_length=128)
    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE
    )
    # The checklist (检查清单): what the patrols look at, one line each.
    checklist = models.JSONField(_("检查清单"), default=list, blank=True)
    description = models.TextField(_("说明"), max_length=TEXT_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("专项整治")
        verbose_name_plural = _("专项整治")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:campaign_detail", args=[self.pk])

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        """A participating unit sees its campaigns."""
        return Q(units__org_id=org_id)

    def covers(self, place: dict[str, int | None], compound_id: int | None) -> bool:
        """Whether a place (its scope columns and compound) lies inside the area."""
        if self.area_level == AreaLevel.COMPOUND:
            return compound_id == self.area_id
        return place.get(f"{self.area_level}_id") == self.area_id


class CampaignUnit(BaseModel):
    """A participating unit: the community, the police station, the housing office,
    the property company…"""

    campaign = models.ForeignKey(Campaign, models.CASCADE, related_name="units")
    org = models.ForeignKey("orgs.Org", models.PROTECT, related_name="+", verbose_name=_("单位"))
    role = models.CharField(_("角色"), max_length=16, choices=UnitRole.choices)

    class Meta:
        verbose_name = _("参与单位")
        verbose_name_plural = _("参与单位")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org"], name="campaign_unit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.org_id}"


class CampaignItem(ScopedModel):
    """A hazard found on patrol (隐患): its place down to the building, photos, type,
    severity; assigned to a participating unit, fixed, verified by another person."""

    campaign = models.ForeignKey(Campaign, models.PROTECT, related_name="items")
    compound = models.ForeignKey(
        "territory.Compound", models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    building = models.ForeignKey(
        "territory.Building",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("楼栋"),
    )
    location_text = models.CharField(_("具体位置"), max_length=128, blank=True)
    hazard = models.CharField(_("隐患类型"), max_length=24, choices=Hazard.choices)
    severity = models.CharField(_("等级"), max_length=8, choices=Severity.choices)
    description = models.TextField(_("描述"), max_length=TEXT_MAX, blank=True)
    check_index = models.PositiveSmallIntegerField(_("检查项"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ItemStatus.choices, default=ItemStatus.FOUND
    )
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发现人")
    )
    found_at = models.DateTimeField(_("发现时间"), default=timezone.now)
    assigned_org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改单位"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("整改人"),
    )
    due_on = models.DateField(_("整改期限"), null=True, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    fixed_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # The same hazard found again at the same place (复发): the earlier item.
    refound_of = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("复发自")
    )
    source_request = models.ForeignKey(
        "requests.ServiceRequest",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源诉求"),
    )
    spawned_request = models.ForeignKey(
        "requests.ServiceRequest",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("转办诉求"),
    )
    rejections = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    # The clock's reminders for the due date (deadlines.item_due_sweep): DueNotice.
    due_notice = models.PositiveSmallIntegerField(_("期限提醒"), default=0, editable=False)

    class Meta:
        verbose_name = _("整治问题")
        verbose_name_plural = _("整治问题")
        ordering = ["-found_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "status"], name="campaign_item_status_idx"),
            models.Index(fields=["compound", "hazard"], name="campaign_item_place_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_hazard_display()} · {self.compound_id}"

    def get_absolute_url(self) -> str:
        return reverse("web:campaign_item", args=[self.pk])

    def days_overdue(self, today: dt.date | None = None) -> int:
        """Days past the due date while the fix is still owed (0: not overdue)."""
        if self.due_on is None or self.status != ItemStatus.ASSIGNED:
            return 0
        return max(0, ((today or clock.today()) - self.due_on).days)

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(assigned_org_id=org_id) | Q(campaign__units__org_id=org_id)


def photo_path(instance: CampaignPhoto, filename: str) -> str:
    now = timezone.localdate()
    return f"campaigns/{now:%Y/%m}/{instance.item_id}/{instance.token}.jpg"


class CampaignPhoto(BaseModel):
    item = models.ForeignKey(CampaignItem, models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=8)  # before | after
    token = models.CharField(max_length=32)
    image = models.ImageField(upload_to=photo_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("整治照片")
        verbose_name_plural = _("整治照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class CampaignItemEvent(models.Model):
    """One step on an item's timeline."""

    item = models.ForeignKey(CampaignItem, models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=TEXT_MAX, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("整治记录")
        verbose_name_plural = _("整治记录")

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind}"
