"""Open311 keys are issued in the admin through the service (the key is shown once,
only its hash is kept) and revoked with an action; never edited or deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redprop.core.admin import RulesAdmin
from redprop.core.errors import ApplicationError
from redprop.open311 import services
from redprop.open311.models import ClientKey, ServiceAttribute


class ClientKeyForm(forms.ModelForm):
    class Meta:
        model = ClientKey
        fields = ["name", "region", "channel", "per_minute", "expires_at"]


@admin.register(ClientKey)
class ClientKeyAdmin(RulesAdmin):
    form = ClientKeyForm
    list_display = [
        "name",
        "prefix",
        "region",
        "per_minute",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["revoked_at"]
    raw_id_fields = ["region"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [
                "name",
                "prefix",
                "region",
                "channel",
                "per_minute",
                "expires_at",
                "user",
                "created_at",
                "revoked_at",
                "last_used_at",
            ]
        return []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # keys are not edited: revoke and issue a new one
        try:
            key, raw = services.key_issue(
                name=obj.name,
                region=obj.region,
                channel=obj.channel,
                per_minute=obj.per_minute,
                expires_at=obj.expires_at,
                acting_user=request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as err:
            self.message_user(request, err.message, messages.ERROR)
            raise
        obj.pk = key.pk
        obj.__dict__.update(key.__dict__)
        request._rp_issued_key = raw  # type: ignore[attr-defined]

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # key_issue wrote the audit row

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: Any = None) -> Any:
        """Show the key once, on this page only: never in a message, session or cookie."""
        return TemplateResponse(
            request,
            "admin/open311/clientkey/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "key": obj,
                "raw": getattr(request, "_rp_issued_key", ""),
                "title": _("Open311 密钥已签发"),
            },
        )

    @admin.action(description=gettext_lazy("吊销所选密钥"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for key in queryset:
            services.key_revoke(key=key, acting_user=request.user, reason="admin")  # type: ignore[arg-type]
        self.message_user(request, _("已吊销 %(n)s 个密钥") % {"n": queryset.count()})

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(RulesAdmin):
    list_display = ["category", "code", "datatype", "required", "order", "description"]
    list_filter = ["datatype", "required"]
