"""The monthly rollup counters the rates are read from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from redprop.requests.models.policy import Category


class RollupCounters(models.Model):
    """The counters every rollup row carries (definitions: docs/subsystems/requests.md)."""

    filed = models.PositiveIntegerField(default=0, db_default=0)
    dispatched = models.PositiveIntegerField(default=0, db_default=0)
    responded = models.PositiveIntegerField(default=0, db_default=0)
    responded_on_time = models.PositiveIntegerField(default=0, db_default=0)
    resolved = models.PositiveIntegerField(default=0, db_default=0)
    resolved_on_time = models.PositiveIntegerField(default=0, db_default=0)
    breached = models.PositiveIntegerField(default=0, db_default=0)
    returned = models.PositiveIntegerField(default=0, db_default=0)
    # Dispatches that left the unit before it responded (returned, cancelled, merged):
    # they leave the unit's response-rate denominator.
    withdrawn = models.PositiveIntegerField(default=0, db_default=0)
    reopened = models.PositiveIntegerField(default=0, db_default=0)
    escalated = models.PositiveIntegerField(default=0, db_default=0)
    rated_or_revisited = models.PositiveIntegerField(default=0, db_default=0)
    solved_confirmed = models.PositiveIntegerField(default=0, db_default=0)
    rated = models.PositiveIntegerField(default=0, db_default=0)
    very_satisfied = models.PositiveIntegerField(default=0, db_default=0)
    satisfied = models.PositiveIntegerField(default=0, db_default=0)
    basic = models.PositiveIntegerField(default=0, db_default=0)
    unsatisfied = models.PositiveIntegerField(default=0, db_default=0)
    very_unsatisfied = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        abstract = True


class MonthlyStats(RollupCounters):
    """Rollup of request counters, kept current as events happen.

    One row per (month filed, grid, handling org, category); the place columns are
    copied so any level can be summed with one GROUP BY. Rates are computed from
    these counters at read time; see docs/subsystems/requests.md for definitions.
    """

    month = models.DateField()  # first day of the month the request was filed (Asia/Shanghai)
    city = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    district = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    street = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    community = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    grid = models.ForeignKey("territory.Grid", models.CASCADE, related_name="+", null=True)
    org = models.ForeignKey("orgs.Org", models.CASCADE, related_name="+", null=True)
    category = models.ForeignKey(Category, models.CASCADE, related_name="+")
    cell = models.CharField(max_length=96, unique=True)  # month|community|grid|org|category

    class Meta:
        verbose_name = _("月度统计")
        verbose_name_plural = _("月度统计")
        indexes = [
            models.Index(fields=["month", "street"], name="stats_month_street"),
            models.Index(fields=["month", "community"], name="stats_month_community"),
            models.Index(fields=["month", "city"], name="stats_month_city"),
        ]

    def __str__(self) -> str:
        return self.cell


class CommunityMonthStats(RollupCounters):
    """The same counters summed over grids and units: one row per (month filed,
    community, category), for views over a whole street, district or city that need
    no grid or unit split (a city's year: ~5 k rows instead of ~60 k). Bumped in the
    same statement as ``MonthlyStats`` (``stats.bump_many``), so always equal to its
    sums (docs/subsystems/requests.md).
    """

    month = models.DateField()
    city = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    district = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    street = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    community = models.ForeignKey("territory.Region", models.CASCADE, related_name="+", null=True)
    category = models.ForeignKey(Category, models.CASCADE, related_name="+")
    cell = models.CharField(max_length=64, unique=True)  # month|community|category

    class Meta:
        verbose_name = _("社区月度统计")
        verbose_name_plural = _("社区月度统计")
        indexes = [
            models.Index(fields=["month", "city"], name="cstats_month_city"),
            models.Index(fields=["month", "district"], name="cstats_month_district"),
            models.Index(fields=["month", "street"], name="cstats_month_street"),
        ]

    def __str__(self) -> str:
        return self.cell


COUNTERS = [f.name for f in RollupCounters._meta.local_fields]
