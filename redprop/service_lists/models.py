"""服务清单: one list per community of needs (what residents and grid workers report)
and resources (what co-building units and volunteers offer); either side claims an
item (双向认领) and carries it to done with evidence. docs/subsystems/service_lists.md."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.service_lists.choices import (
    CARE_GROUP,
    OPEN_STATES,
    Care,
    EventKind,
    ServiceClass,
    Side,
    Status,
)

TITLE_MAX = 64
TEXT_MAX = 1000
MAX_PHOTOS = 4


def cobuilding_sources(org_id: int) -> list[models.QuerySet]:
    """The communities an organisation builds with, as ``community_id`` value querysets:
    an agreement (共建协议) in force, or a compound it serves there (a property
    company's 红色物业共建协议书, seed 002)."""
    from redprop.core import clock
    from redprop.orgs.models import CoBuildingAgreement
    from redprop.territory.models import Compound

    today = timezone.localtime(clock.now()).date()
    agreed = CoBuildingAgreement.objects.filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today),
        org_id=org_id,
        signed_on__lte=today,
        community__isnull=False,
    ).values("community_id")
    served = Compound.objects.filter(company_id=org_id).values("community_id")
    return [agreed, served]


def cobuilding_q(org_id: int) -> Q:
    """The items in the communities ``org_id`` builds with."""
    q = Q(pk__in=[])
    for source in cobuilding_sources(org_id):
        q |= Q(community_id__in=source)
    return q


class ServiceItem(ScopedModel):
    """One line of a community's service list: a need or a resource."""

    side = models.CharField(_("清单"), max_length=8, choices=Side.choices)
    service_class = models.CharField(_("服务类别"), max_length=16, choices=ServiceClass.choices)
    care = models.CharField(_("一老一小"), max_length=16, choices=Care.choices, blank=True)
    title = models.CharField(_("事项"), max_length=TITLE_MAX)
    description = models.TextField(_("说明"), max_length=TEXT_MAX, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    due_on = models.DateField(_("期限"), null=True, blank=True)
    compound = models.ForeignKey(
        "territory.Compound",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("小区"),
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    # A resource: the unit that offers it (empty: listed by the community for volunteers).
    offered_by = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("提供单位"),
    )
    # A need: whom it is for (encrypted tags live on the person; shown masked).
    beneficiary = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("服务对象"),
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领人"),
    )
    # A need claimed by a unit: the unit (its staff carry it out together).
    claimed_org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领单位"),
    )
    # A resource claimed for someone (a grid worker claims the clinic for an old man).
    claimed_for = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认领给"),
    )
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始服务时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.TextField(_("完成情况"), max_length=TEXT_MAX, blank=True)
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
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("服务清单事项")
        verbose_name_plural = _("服务清单事项")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "side"], name="service_item_list_idx"),
            models.Index(fields=["status", "due_on"], name="service_item_due_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_request"],
                condition=Q(source_request__isnull=False),
                name="service_item_one_per_request",
            ),
            # An open item is nobody's; a claimed, served or done one is someone's.
            models.CheckConstraint(
                condition=~Q(status="open") | Q(claimed_by__isnull=True),
                name="service_item_open_unclaimed",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["claimed", "in_progress", "done"])
                | Q(claimed_by__isnull=False),
                name="service_item_claimed_has_claimer",
            ),
            models.CheckConstraint(
                condition=Q(side__in=["need", "resource"]), name="service_item_side_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_side_display()} · {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("service_lists:detail", args=[self.pk])

    def days_overdue(self, today: dt.date | None = None) -> int:
        """Days past the due date while the item is still owed (0: not overdue)."""
        if self.due_on is None or self.status not in OPEN_STATES:
            return 0
        return max(0, ((today or timezone.localdate()) - self.due_on).days)

    @property
    def care_group(self) -> str:
        return CARE_GROUP.get(Care(self.care), "") if self.care else ""

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        """A unit sees the lists of the communities it builds with, and its own items."""
        return cobuilding_q(org_id) | Q(offered_by_id=org_id) | Q(claimed_org_id=org_id)

    @classmethod
    def resident_scope_q(cls, person_id: int) -> Q:
        """A resident sees the list of the communities they live in."""
        from redprop.territory.models import Unit

        return Q(
            community_id__in=Unit.objects.filter(occupants__person_id=person_id).values(
                "community_id"
            )
        ) | Q(
            community_id__in=Unit.objects.filter(owners__person_id=person_id).values("community_id")
        )

    resident_scope_repeats_rows = False


def photo_path(instance: ServicePhoto, filename: str) -> str:
    now = timezone.localdate()
    return f"service_lists/{now:%Y/%m}/{instance.item_id}/{instance.token}.jpg"


class ServicePhoto(BaseModel):
    """A completion evidence photo (cleaned and re-encoded like a request's)."""

    item = models.ForeignKey(ServiceItem, models.CASCADE, related_name="photos")
    token = models.CharField(max_length=32)
    image = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("服务照片")
        verbose_name_plural = _("服务照片")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class ServiceItemEvent(models.Model):
    """One step on an item's timeline: the single source of its history."""

    item = models.ForeignKey(ServiceItem, models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=TEXT_MAX, blank=True)

    class Meta:
        verbose_name = _("服务清单记录")
        verbose_name_plural = _("服务清单记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind}"
