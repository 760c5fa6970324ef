from django.contrib import admin

from redprop.core.admin import ScopedAdmin
from redprop.ratings.models import Criterion, RatingCycle


@admin.register(RatingCycle)
class RatingCycleAdmin(ScopedAdmin):
    """The bureau sets the data window and the star thresholds of its city's cycle."""

    list_display = ["name", "year", "city", "status", "period_start", "period_end"]
    list_filter = ["status", "year"]
    fields = ["name", "year", "status", "period_start", "period_end", "thresholds"]
    readonly_fields = ["year"]


@admin.register(Criterion)
class CriterionAdmin(ScopedAdmin):
    """The scoring sheet as data: the text, points and (for computed lines) the formula."""

    list_display = ["code", "dimension", "text", "max_points", "metric", "floor", "target"]
    list_filter = ["dimension", "metric"]
    scope_prefix = "cycle__"
    fields = [
        "cycle",
        "dimension",
        "code",
        "text",
        "max_points",
        "order",
        "metric",
        "floor",
        "target",
    ]
    readonly_fields = ["cycle", "dimension", "code"]
