"""删除申请: a resident's request that their personal information be deleted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel
from redprop.privacy.choices import ErasureStatus

REASON_MAX = 200


class ErasureRequest(BaseModel):
    """A resident asks for deletion (PIPL art. 47); community staff or the system
    administrator carry it out (anonymisation) or reject it with a reason."""

    scope_via = "person__"

    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="erasure_requests", verbose_name=_("人员")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    reason = models.CharField(_("申请说明"), max_length=REASON_MAX, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    decision_note = models.CharField(_("处理说明"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("删除申请")
        verbose_name_plural = _("删除申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status="pending"),
                name="erasure_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_status_display()}"
