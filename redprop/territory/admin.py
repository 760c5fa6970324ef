from django.contrib import admin

from redprop.core.admin import ScopedAdmin
from redprop.territory.models import (
    Building,
    Compound,
    CompoundService,
    Grid,
    GridMember,
    Occupancy,
    Ownership,
    Region,
    Unit,
)


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ["name", "level", "code", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    raw_id_fields = ["parent"]
    exclude = ["city", "district", "street", "community", "grid"]


class GridMemberInline(admin.TabularInline):
    model = GridMember
    extra = 0
    raw_id_fields = ["person", "org", "building"]


@admin.register(Grid)
class GridAdmin(ScopedAdmin):
    list_display = ["name", "code", "community", "butler", "maintenance_worker"]
    search_fields = ["name", "code"]
    raw_id_fields = ["butler", "maintenance_worker", "grid_worker"]
    readonly_fields = ["city", "district", "street", "community"]
    exclude = ["grid"]
    inlines = [GridMemberInline]


class ServiceInline(admin.TabularInline):
    model = CompoundService
    extra = 0
    readonly_fields = ["company", "management_type", "started_on", "ended_on"]
    can_delete = False


@admin.register(Compound)
class CompoundAdmin(ScopedAdmin):
    list_display = ["name", "kind", "management_type", "company", "community"]
    list_filter = ["kind", "management_type"]
    search_fields = ["name"]
    readonly_fields = ["city", "district", "street", "community", "company", "management_type"]
    exclude = ["grid"]
    inlines = [ServiceInline]


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ["__str__", "grid", "floors"]
    search_fields = ["name", "compound__name"]
    readonly_fields = ["city", "district", "street", "community", "compound", "grid"]


class OwnershipInline(admin.TabularInline):
    model = Ownership
    extra = 0
    raw_id_fields = ["person", "developer"]


class OccupancyInline(admin.TabularInline):
    model = Occupancy
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ["label", "compound", "floor_area", "exclusive_area", "grid"]
    search_fields = ["label", "compound__name"]
    readonly_fields = ["city", "district", "street", "community", "grid", "building", "compound"]
    inlines = [OwnershipInline, OccupancyInline]
