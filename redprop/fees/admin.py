"""Admin of the fees app: the hardship policies (低保, 特困) as data, audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from redprop.core.admin import RulesAdmin
from redprop.core.audit import audit, snapshot
from redprop.core.models import AuditEvent
from redprop.fees.models import HardshipPolicy


@admin.register(HardshipPolicy)
class HardshipPolicyAdmin(RulesAdmin):
    list_display = ["code", "name", "tag_code", "charge", "percent", "is_active"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(HardshipPolicy.objects.filter(pk=obj.pk).first()) if change else None
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            event=AuditEvent.ADMIN_CHANGE,
            target=obj,
            before=before,
            via="admin",
        )
