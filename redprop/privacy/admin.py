"""删除申请 in the admin: community staff and the system administrator carry a request
out (anonymise) or reject it with a reason, through the services, after a confirmation page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redprop.core.admin import ScopedAdmin
from redprop.core.errors import ApplicationError
from redprop.privacy import services
from redprop.privacy.models import ErasureRequest


def _decide(modeladmin: Any, request: HttpRequest, queryset: Any, *, reject: bool) -> Any:
    rows = list(queryset.select_related("person"))
    if "apply" not in request.POST:
        return TemplateResponse(
            request,
            "admin/privacy/erasure_confirm.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": _("驳回删除申请") if reject else _("执行删除（匿名化）"),
                "rows": rows,
                "reject": reject,
                "action": request.POST.get("action"),
                "opts": modeladmin.model._meta,
            },
        )
    done = 0
    for erasure in rows:
        try:
            if reject:
                services.erasure_request_reject(
                    erasure=erasure, note=request.POST.get("note", ""), acting_user=request.user
                )
            else:
                services.erasure_request_carry_out(erasure=erasure, acting_user=request.user)
            done += 1
        except ApplicationError as err:
            modeladmin.message_user(request, f"#{erasure.pk}: {err.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("已处理 %(n)s 条申请") % {"n": done}, messages.SUCCESS)
    return None


@admin.action(description=gettext_lazy("执行删除（匿名化）"), permissions=["decide"])
def carry_out(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
    return _decide(modeladmin, request, queryset, reject=False)


@admin.action(description=gettext_lazy("驳回删除申请"), permissions=["decide"])
def reject(modeladmin: Any, request: HttpRequest, queryset: Any) -> Any:
    return _decide(modeladmin, request, queryset, reject=True)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ScopedAdmin):
    list_display = ["created_at", "person", "status", "reason", "decided_at", "decided_by"]
    list_filter = ["status"]
    scope_prefix = "person__"
    actions = [carry_out, reject]
    readonly_fields = [
        "person",
        "requested_by",
        "reason",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
        "decision_note",
    ]
    fields = readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("privacy.decide_erasurerequest"))
