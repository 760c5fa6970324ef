from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rules.contrib.admin import ObjectPermissionsModelAdmin

from redprop.accounts.models import ApiToken, RoleAssignment, User


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["region", "grid", "org", "person"]


@admin.register(User)
class UserAdmin(ObjectPermissionsModelAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "is_staff", "is_active", "last_login"]
    raw_id_fields = ["person"]
    fieldsets = (*DjangoUserAdmin.fieldsets, ("红色物业", {"fields": ("display_name", "person")}))
    inlines = [RoleInline]


@admin.register(ApiToken)
class ApiTokenAdmin(ObjectPermissionsModelAdmin):
    list_display = ["user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash"]
