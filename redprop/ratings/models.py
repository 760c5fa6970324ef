"""星级物业企业评定: a yearly cycle per city, its criteria as data, one assessment per
property company that passes through three stages (docs/subsystems/ratings.md)."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.chain import AppendOnlyError
from redprop.core.models import AppendOnlyManager, BaseModel, ScopedModel, append_only_triggers
from redprop.ratings.choices import CycleStatus, Dimension, EventKind, Metric, Stage


class RatingCycle(ScopedModel):
    """One city's rating of one year. Its criteria and thresholds are the bureau's data."""

    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("名称"), max_length=64)
    status = models.CharField(
        _("状态"), max_length=8, choices=CycleStatus.choices, default=CycleStatus.OPEN
    )
    # The request data that service quality is computed from (inclusive dates).
    period_start = models.DateField(_("数据起始日"))
    period_end = models.DateField(_("数据截止日"))
    # Minimum total points for each star, as decimal strings: {"5": "90", "4": "80", "3": "70"}.
    thresholds = models.JSONField(_("星级分数线"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("开启人")
    )

    class Meta:
        verbose_name = _("评定年度")
        verbose_name_plural = _("评定年度")
        ordering = ["-year", "city_id"]
        constraints = [
            models.UniqueConstraint(fields=["city", "year"], name="one_rating_cycle_per_city_year"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="rating_cycle_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Thresholds: decimal points 0–100 for 5, 4 and 3 stars, each above the next."""
        from decimal import Decimal, InvalidOperation

        from django.core.exceptions import ValidationError

        t = self.thresholds
        try:
            values = [Decimal(str(t[k])) for k in ("5", "4", "3")] if isinstance(t, dict) else None
        except (KeyError, InvalidOperation, ValueError):
            values = None
        if (
            values is None
            or set(t) != {"5", "4", "3"}
            or not all(v.is_finite() and 0 <= v <= 100 for v in values)
            or not values[0] > values[1] > values[2]
        ):
            raise ValidationError(
                {"thresholds": _('格式为 {"5": "90", "4": "80", "3": "70"}：0–100 分，五星最高')}
            )


class Criterion(BaseModel):
    """One line of the scoring sheet. A criterion with a ``metric`` is computed from the
    platform's data: its points rise linearly from 0 at ``floor`` to ``max_points`` at
    ``target`` (either direction: a rate where lower is better has target < floor)."""

    # Scoped through its cycle (the city): the admin and the rules reach it that way.
    scope_via = "cycle__"

    cycle = models.ForeignKey(
        RatingCycle, models.CASCADE, related_name="criteria", verbose_name=_("评定年度")
    )
    dimension = models.CharField(_("维度"), max_length=16, choices=Dimension.choices)
    code = models.SlugField(_("代码"), max_length=32)
    text = models.CharField(_("评分标准"), max_length=200)
    max_points = models.DecimalField(
        _("分值"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    metric = models.CharField(_("计算指标"), max_length=24, choices=Metric.choices, blank=True)
    floor = models.DecimalField(_("零分线"), max_digits=6, decimal_places=4, null=True, blank=True)
    target = models.DecimalField(_("满分线"), max_digits=6, decimal_places=4, null=True, blank=True)

    class Meta:
        verbose_name = _("评分标准")
        verbose_name_plural = _("评分标准")
        ordering = ["cycle_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "code"], name="criterion_code_per_cycle"),
            models.CheckConstraint(
                condition=Q(metric="") | (Q(floor__isnull=False) & Q(target__isnull=False)),
                name="computed_criterion_has_formula",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} · {self.text}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.metric and (self.floor is None or self.target is None):
            raise ValidationError({"floor": _("计算指标需要零分线和满分线")})
        for name in ("floor", "target"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1:
                raise ValidationError({name: _("比例应在 0 到 1 之间")})

    @property
    def computed(self) -> bool:
        return bool(self.metric)


class Assessment(ScopedModel):
    """One company's assessment in one cycle. Placed at the community whose party
    committee assesses it (the one where it serves the most compounds)."""

    cycle = models.ForeignKey(
        RatingCycle, models.PROTECT, related_name="assessments", verbose_name=_("评定年度")
    )
    company = models.ForeignKey(
        "orgs.Org", models.PROTECT, related_name="ratings", verbose_name=_("物业企业")
    )
    stage = models.CharField(
        _("环节"), max_length=12, choices=Stage.choices, default=Stage.SELF, db_index=True
    )
    version = models.PositiveIntegerField(default=1)
    # The service-quality figures and their points, computed from the request data of the
    # cycle's period ({"computed_at", "period", "counts", "metrics": {key: ratio}, "points":
    # {criterion code: points}}). Refreshed at each hand-over; frozen at certification.
    figures = models.JSONField(_("服务质量数据"), default=dict, blank=True)
    total = models.DecimalField(_("总分"), max_digits=5, decimal_places=1, null=True, blank=True)
    stars = models.PositiveSmallIntegerField(
        _("星级"), null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    certified_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤销原因"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("企业评定")
        verbose_name_plural = _("企业评定")
        ordering = ["cycle_id", "company__name"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "company"], name="one_assessment_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.cycle} · {self.company}"

    @classmethod
    def org_scope_q(cls, org_id: int) -> Q:
        return Q(company_id=org_id)


class Score(BaseModel):
    """The points one stage gives one criterion (its latest value; ScoreChange keeps
    every change)."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="+")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("得分")
        verbose_name_plural = _("得分")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion", "stage"], name="one_score_per_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id} {self.stage} {self.points}"


class ScoreChange(models.Model):
    """Who changed which score, when, from what to what, and why. Append-only: a
    trigger on PostgreSQL, the manager's guard everywhere (as the audit log)."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="score_changes")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="+")
    stage = models.CharField(max_length=12, choices=Stage.choices)
    old_points = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    new_points = models.DecimalField(max_digits=5, decimal_places=1)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyManager()

    class Meta:
        verbose_name = _("评分变更记录")
        verbose_name_plural = _("评分变更记录")
        ordering = ["at", "id"]
        triggers = append_only_triggers()

    def __str__(self) -> str:
        return f"{self.criterion_id} {self.old_points} → {self.new_points}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("score changes cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("score changes cannot be deleted")


def evidence_path(instance: Evidence, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"ratings/{instance.assessment_id}/{secrets.token_hex(12)}.{ext}"


class Evidence(BaseModel):
    """A file or a link to a record in the platform that supports a score."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(
        Criterion, models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    link = models.CharField(_("平台记录链接"), max_length=200, blank=True)
    note = models.CharField(_("说明"), max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["id"]


class AssessmentEvent(models.Model):
    """The assessment's timeline: every hand-over, send-back, certification and score."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_stage = models.CharField(max_length=12, blank=True)
    to_stage = models.CharField(max_length=12, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("评定记录")
        verbose_name_plural = _("评定记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"
