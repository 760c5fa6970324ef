from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from redprop.accounts.models import ApiToken, RoleAssignment, User
from redprop.core.admin import HideUnseenObjects, RulesAdmin


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["region", "grid", "org", "person"]


@admin.register(User)
class UserAdmin(HideUnseenObjects, ObjectPermissionsModelAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "is_staff", "is_active", "last_login"]
    raw_id_fields = ["person"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("红色物业"), {"fields": ("display_name", "person")}),
    )
    inlines = [RoleInline]

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        from redprop.core.audit import audit
        from redprop.core.models import AuditEvent

        instances = formset.save()
        for obj in instances:
            if isinstance(obj, RoleAssignment):
                audit(
                    actor=request.user,
                    event=AuditEvent.ROLE_GRANTED,
                    target=obj.user,
                    role=obj.role,
                    scope=str(obj.scope),
                    via="admin",
                )


@admin.register(ApiToken)
class ApiTokenAdmin(RulesAdmin):
    list_display = ["user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash"]
