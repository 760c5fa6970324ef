"""The duty roster (值班排班): who of an organisation is on duty where and when.

One row is one recurring shift of one person: a place (a grid or a community for a
regular shift; a community or a street for on-call duty), the weekdays and the
local wall-clock span (Asia/Shanghai; an end at or before the start means the shift
runs past midnight into the next day), a rule against China's working calendar, an
optional rotation every N weeks, and the dates it is in force. The place is held in
the scope columns (``ScopedModel``): a grid shift has ``grid_id``, a community shift
``community_id`` and no grid, a street shift only ``street_id`` and above. That makes
"every shift in this street" one indexed equality, for the assignment policy and
for scoped lists alike. See docs/subsystems/duty.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel, ScopedModel
from redprop.duty.choices import (
    MAX_EVERY_WEEKS,
    DayRule,
    Duty,
    HandOverEventKind,
    HandOverStatus,
    RotaMode,
    ShiftKind,
)


class Shift(ScopedModel):
    """A recurring shift (班次) of one person for one organisation."""

    org = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="duty_shifts", verbose_name=_("排班单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("值班人员"),
    )
    duty = models.CharField(_("岗位"), max_length=16, choices=Duty.choices)
    kind = models.CharField(_("班次类型"), max_length=16, choices=ShiftKind.choices)
    weekdays = models.PositiveSmallIntegerField(
        _("星期"), help_text=_("位掩码：周一=1，周二=2，……周日=64")
    )
    day_rule = models.CharField(
        _("节假日规则"), max_length=16, choices=DayRule.choices, default=DayRule.ALL
    )
    every_weeks = models.PositiveSmallIntegerField(
        _("每几周一次"), default=1, help_text=_("轮班：1 为每周，2 为隔周（从生效日所在周算起）")
    )
    starts_at = models.TimeField(_("上班时间"))
    ends_at = models.TimeField(_("下班时间"), help_text=_("早于或等于上班时间表示跨夜到次日"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=64, blank=True)
    # Set on the shifts a rota generated (轮值坐班); ending the rota ends them.
    rota = models.ForeignKey(
        "duty.Rota",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("轮值表"),
    )

    class Meta:
        verbose_name = _("值班班次")
        verbose_name_plural = _("值班排班")
        ordering = ["org_id", "starts_at", "id"]
        indexes = [
            models.Index(fields=["org", "street", "duty", "effective_from"], name="shift_in_force"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(starts_at=F("ends_at")), name="shift_end_differs_from_start"
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=1, weekdays__lte=127), name="shift_has_weekdays"
            ),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=MAX_EVERY_WEEKS),
                name="shift_every_weeks_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="shift_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(street__isnull=False), name="shift_has_a_place"),
            models.CheckConstraint(
                condition=Q(kind=ShiftKind.ON_CALL, grid__isnull=True)
                | Q(kind=ShiftKind.REGULAR, community__isnull=False),
                name="shift_place_fits_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.place_label} · {self.span_label}"

    @property
    def place_level(self) -> str:
        if self.grid_id:
            return "grid"
        return "community" if self.community_id else "street"

    @property
    def place(self) -> Any:
        return self.grid if self.grid_id else (self.community or self.street)

    @property
    def place_label(self) -> str:
        return str(self.place)

    @property
    def crosses_midnight(self) -> bool:
        return self.ends_at <= self.starts_at

    @property
    def span_label(self) -> str:
        span = {"start": f"{self.starts_at:%H:%M}", "end": f"{self.ends_at:%H:%M}"}
        if self.crosses_midnight:
            # Translators: a shift from one evening to the next morning (22:00–次日07:00).
            return gettext("%(start)s–次日%(end)s") % span
        return f"{span['start']}–{span['end']}"

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(org_id=org_id)


class Rota(ScopedModel):
    """A rota (轮值表) of one property office: who of the rostering organisation sits
    there on which days, passed from member to member by day or by week.

    The rota is the plan; the roster is its generated ``Shift`` rows (duty
    ``office``), one weekly pattern per member and week of the cycle, so the
    recurrence, the overlap check and every roster read work on them unchanged
    (docs/adr/0031-duty-rotation.md). The office sits in a community (the scope
    columns); ``office`` names it (e.g. 红星社区物业服务站).
    """

    org = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="duty_rotas", verbose_name=_("排班单位")
    )
    office = models.CharField(_("坐班地点"), max_length=64)
    mode = models.CharField(
        _("轮值方式"), max_length=8, choices=RotaMode.choices, default=RotaMode.DAILY
    )
    # The members in rota order (user ids; 1 to MAX_ROTA_MEMBERS).
    members = models.JSONField(_("轮值人员"), default=list)
    weekdays = models.PositiveSmallIntegerField(
        _("星期"), help_text=_("位掩码：周一=1，周二=2，……周日=64")
    )
    day_rule = models.CharField(
        _("节假日规则"), max_length=16, choices=DayRule.choices, default=DayRule.WORKING
    )
    starts_at = models.TimeField(_("上班时间"))
    ends_at = models.TimeField(_("下班时间"))
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("截止日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("制定人"),
    )

    class Meta:
        verbose_name = _("轮值坐班表")
        verbose_name_plural = _("轮值坐班表")
        ordering = ["community_id", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(community__isnull=False), name="rota_in_a_community"
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=1, weekdays__lte=127), name="rota_has_weekdays"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="rota_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} · {self.get_mode_display()}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        """A company's desk sees the rotas it drew up (its own office)."""
        return Q(org_id=org_id)


class HandOver(ScopedModel):
    """A shift hand-over (交接班): the outgoing worker's note at the end of a shift
    occurrence, the open orders passed on (``items``, a snapshot), and the incoming
    worker's acknowledgement. One per occurrence (``shift`` + ``day``)."""

    shift = models.ForeignKey(
        Shift, models.PROTECT, related_name="handovers", verbose_name=_("班次")
    )
    day = models.DateField(_("班次日期"))
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("交班人")
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("接班人")
    )
    note = models.CharField(_("交班说明"), max_length=1000)
    status = models.CharField(
        _("状态"), max_length=16, choices=HandOverStatus.choices, default=HandOverStatus.PENDING
    )
    acknowledged_at = models.DateTimeField(_("接班时间"), null=True, blank=True)
    ack_note = models.CharField(_("接班说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("交接班记录")
        verbose_name_plural = _("交接班记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "day"], name="handover_once_per_occurrence"),
            models.CheckConstraint(
                condition=~Q(from_user=F("to_user")), name="handover_to_someone_else"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user} · {self.day}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(shift__org_id=org_id)


class HandOverItem(BaseModel):
    """One open order passed on: a snapshot of the request as it stood at the
    hand-over (the duty app sits below requests and keeps no foreign key to it)."""

    handover = models.ForeignKey(
        HandOver, models.CASCADE, related_name="items", verbose_name=_("交接班记录")
    )
    request_id = models.PositiveBigIntegerField(_("诉求编号"))
    number = models.CharField(_("工单号"), max_length=32)
    title = models.CharField(_("事项"), max_length=120)
    status = models.CharField(_("交接时状态"), max_length=32)
    mine = models.BooleanField(_("本人经办"), default=False)

    class Meta:
        verbose_name = _("移交工单")
        verbose_name_plural = _("移交工单")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "request_id"], name="handover_item_once"),
        ]

    def __str__(self) -> str:
        return self.number


class HandOverEvent(BaseModel):
    """The hand-over's timeline (交班, 接班)."""

    handover = models.ForeignKey(
        HandOver, models.CASCADE, related_name="events", verbose_name=_("交接班记录")
    )
    kind = models.CharField(_("事件"), max_length=16, choices=HandOverEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    note = models.CharField(_("说明"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("交接班事件")
        verbose_name_plural = _("交接班事件")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.actor}"
