from django.contrib import admin

from redprop.contact.models import ContactRecord
from redprop.core.admin import ScopedAdmin


@admin.register(ContactRecord)
class ContactRecordAdmin(ScopedAdmin):
    list_display = ["at", "actor", "request", "method", "virtual_number", "gateway"]
    list_filter = ["method"]
    scope_prefix = "request__"
    raw_id_fields = ["request", "actor", "person"]
    readonly_fields = [
        "at",
        "actor",
        "request",
        "person",
        "method",
        "gateway",
        "call_id",
        "virtual_number",
        "caller_number",
        "expires_at",
    ]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
