from django.contrib import admin

from redprop.calendars.admin import warn_next_year
from redprop.core.admin import RulesAdmin, ScopedAdmin
from redprop.requests import search
from redprop.requests.models import (
    Category,
    RequestEvent,
    RoutingRule,
    ServiceRequest,
    SlaPolicy,
    SlaTarget,
)


@admin.register(Category)
class CategoryAdmin(RulesAdmin):
    list_display = ["name", "code", "parent", "matter", "default_severity", "urgent", "is_active"]
    list_filter = ["matter", "urgent", "is_active"]
    filter_horizontal = ["handlers"]


class TargetInline(admin.TabularInline):
    model = SlaTarget
    extra = 0
    fields = ["severity", "clock", "unit", "minutes", "working_days", "calendar"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RulesAdmin):
    """A policy is switched off (有效 unticked), never deleted: requests keep pointing at
    the policy they were judged by, and other processes may hold it in their reference
    data cache for a few seconds (docs/adr/0006-lean-intake.md)."""

    list_display = [
        "name",
        "region",
        "effective_from",
        "is_active",
        "respond_event",
        "standard_calendar",
        "urgent_calendar",
        "escalate_in",
    ]
    raw_id_fields = ["region"]
    inlines = [TargetInline]

    def changelist_view(self, request, extra_context=None):  # type: ignore[no-untyped-def]
        warn_next_year(request)
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(RulesAdmin):
    list_display = ["category", "region", "org", "auto_dispatch", "assignment"]
    raw_id_fields = ["region", "org"]


class EventInline(admin.TabularInline):
    model = RequestEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "from_status", "to_status", "org", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ServiceRequest)
class ServiceRequestAdmin(ScopedAdmin):
    """Read-only here: requests change only through their transitions (API and pages)."""

    list_display = [
        "number",
        "category",
        "status",
        "compound",
        "handling_org",
        "created_at",
        "breached",
    ]
    list_filter = ["status", "channel", "breached", "category"]
    search_fields = ["description"]
    inlines = [EventInline]

    def get_search_results(self, request, queryset, search_term):  # type: ignore[no-untyped-def]
        # The admin's own icontains per word, narrowed first through the bigram index
        # (a superset of its matches, also case-insensitively: see requests/search.py).
        if search_term:
            queryset = search.narrow(queryset, search_term)
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in ServiceRequest._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
