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

from redprop.core.models import ScopedModel
from redprop.duty.choices import MAX_EVERY_WEEKS, DayRule, Duty, ShiftKind


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
