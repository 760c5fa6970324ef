"""The periods of petitions and disputes are data edited in the admin. Cases are not in
the admin: their files are read only through the logged case page (ADR 0026)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from redprop.core.admin import RulesAdmin
from redprop.core.audit import audit, snapshot
from redprop.core.models import AuditEvent
from redprop.mediation.models import MediationPolicy


@admin.register(MediationPolicy)
class MediationPolicyAdmin(RulesAdmin):
    """Switched off (有效 unticked), never deleted: cases keep the snapshot they were
    registered with. Every save is audited (MEDIATION_POLICY_CHANGED)."""

    list_display = [
        "name",
        "region",
        "effective_from",
        "is_active",
        "day_unit",
        "petition_accept_days",
        "petition_answer_days",
        "dispute_accept_days",
        "dispute_answer_days",
        "max_extension_days",
    ]
    raw_id_fields = ["region"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(MediationPolicy.objects.filter(pk=obj.pk).first()) if change else None
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            event=AuditEvent.MEDIATION_POLICY_CHANGED,
            target=obj,
            before=before,
            via="admin",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
