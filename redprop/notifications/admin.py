"""Admin for sysadmins: the outbox (read-only, with "retry now" for dead letters),
webhook endpoints (audited, secret never copied into the audit log) and inboxes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from redprop.core.admin import RulesAdmin
from redprop.core.audit import audit, snapshot
from redprop.core.models import AuditEvent
from redprop.notifications import services
from redprop.notifications.choices import OutboxStatus
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint


@admin.register(OutboxMessage)
class OutboxMessageAdmin(RulesAdmin):
    list_display = [
        "id",
        "created_at",
        "kind",
        "channel",
        "recipient",
        "endpoint",
        "status",
        "attempts",
        "next_attempt_at",
        "short_error",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["kind", "target_id", "dedupe_key"]
    list_select_related = ["recipient", "endpoint"]
    ordering = ["-id"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]
    actions = ["retry_now"]
    show_full_result_count = False

    @admin.display(description=_("最近错误"))
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error.splitlines()[-1][:80] if obj.last_error else ""

    @admin.action(description=_("立即重试所选死信"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        ids = list(queryset.filter(status=OutboxStatus.DEAD).values_list("pk", flat=True))
        count = services.outbox_retry(message_ids=ids, acting_user=request.user)
        self.message_user(
            request,
            ngettext("已重新排队 %(count)d 条死信", "已重新排队 %(count)d 条死信", count)
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(RulesAdmin):
    list_display = ["name", "url", "org", "region", "event_kinds", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    raw_id_fields = ["org", "region"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = (
            _without_secret(WebhookEndpoint.objects.filter(pk=obj.pk).first()) if change else None
        )
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            event=AuditEvent.ADMIN_CHANGE,
            target=obj,
            before=before,
            after=_without_secret(obj),
            via="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit(
            actor=request.user,
            event=AuditEvent.ADMIN_CHANGE,
            target=obj,
            before=_without_secret(obj),
            after={},
            via="admin",
            deleted=True,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:  # one audit row each, as for a single delete
            self.delete_model(request, obj)


def _without_secret(obj: WebhookEndpoint | None) -> dict[str, Any] | None:
    data = snapshot(obj)
    if data is not None and "secret" in data:
        data["secret"] = "******" if data["secret"] else ""
    return data


@admin.register(InboxItem)
class InboxItemAdmin(RulesAdmin):
    list_display = ["created_at", "user", "kind", "subject", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "subject"]
    list_select_related = ["user"]
    readonly_fields = [f.name for f in InboxItem._meta.fields]
    show_full_result_count = False
