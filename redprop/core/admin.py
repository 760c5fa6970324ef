"""Admin base: rules-based object permissions, scope-filtered lists, audited writes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rules.contrib.admin import ObjectPermissionsModelAdmin

from redprop.core.audit import audit, audit_log_export, snapshot
from redprop.core.models import AuditEvent, AuditLog

EXPORT_PERMISSION = "core.export_logs"
EXPORT_LIMIT = 100_000
_CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}


def _export_response(modeladmin: Any, request: HttpRequest, queryset: Any, fmt: str) -> Any:
    ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:EXPORT_LIMIT])
    model = modeladmin.model
    lines = audit_log_export(model=model, fmt=fmt, ids=ids, acting_user=request.user, via="admin")
    name = f"{model._meta.model_name}-{timezone.localdate():%Y%m%d}.{fmt}"
    response = StreamingHttpResponse(lines, content_type=_CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.action(description=_("导出所选记录（CSV）"), permissions=["export"])
def export_csv(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
    return _export_response(modeladmin, request, queryset, "csv")


@admin.action(description=_("导出所选记录（JSONL）"), permissions=["export"])
def export_jsonl(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
    return _export_response(modeladmin, request, queryset, "jsonl")


class AppendOnlyLogAdmin:
    """Read-only lists of a chained log, with audited CSV/JSONL export actions for
    the roles holding ``core.export_logs`` (system administrator, housing bureau)."""

    actions = [export_csv, export_jsonl]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(EXPORT_PERMISSION))


class HideUnseenObjects:
    """An object the user may not view answers exactly as a missing one.

    Django's admin looks the object up first and checks the permission after, so a
    user who may not see a row got 403 for an existing id and the "does not exist"
    redirect for a missing one on the history, change and delete pages: enough to
    learn which ids exist. Here the lookup itself returns None for such a row.
    Proved by redprop/tests/test_permission_matrix.py.
    """

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is not None and not self.has_view_or_change_permission(request, obj):  # type: ignore[attr-defined]
            return None
        return obj


class RulesAdmin(HideUnseenObjects, ObjectPermissionsModelAdmin):
    """The base of every admin of an unscoped model: django-rules permissions."""


class ScopedAdmin(HideUnseenObjects, ObjectPermissionsModelAdmin):
    """Lists only what the user's roles may see; every save and delete is audited."""

    scope_prefix = ""
    # Scoped objects are created through their services (which fill the scope
    # columns and check the invariants): the API, imports and seed_demo. The admin
    # edits and reviews them. See docs/subsystems/territory.md.
    allow_add = False
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.allow_add and super().has_add_permission(request)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        return request.user.scope_set().filter(qs, self.scope_prefix)  # type: ignore[union-attr]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj).objects.filter(pk=obj.pk).first()) if change else None
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            event=AuditEvent.ADMIN_CHANGE,
            target=obj,
            before=before,
            via="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit(
            actor=request.user,
            event=AuditEvent.ADMIN_CHANGE,
            target=obj,
            before=snapshot(obj),
            after={},
            via="admin",
            deleted=True,
        )
        super().delete_model(request, obj)


@admin.register(AuditLog)
class AuditLogAdmin(AppendOnlyLogAdmin, RulesAdmin):
    list_display = ["at", "actor", "event_type", "target_type", "target_id"]
    list_filter = ["event_type"]
    readonly_fields = [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _hide_unseen_in_third_party_admins() -> None:
    """Django's groups and the task queue's results get the same lookup (their admin
    modules are imported before this one: INSTALLED_APPS order)."""
    from django.contrib.auth.models import Group
    from django_tasks_db.models import DBTaskResult

    for model in (Group, DBTaskResult):
        if admin.site.is_registered(model):
            current = type(admin.site._registry[model])
            if not issubclass(current, HideUnseenObjects):
                admin.site.unregister(model)
                admin.site.register(model, type(current.__name__, (HideUnseenObjects, current), {}))


_hide_unseen_in_third_party_admins()
