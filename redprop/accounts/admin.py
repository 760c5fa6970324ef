from typing import Any

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rules.contrib.admin import ObjectPermissionsModelAdmin

from redprop.accounts import services
from redprop.accounts.models import ApiToken, RoleAssignment, TokenScope, User
from redprop.core.admin import HideUnseenObjects, RulesAdmin
from redprop.core.errors import ApplicationError


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
    actions = ["reset_two_step", "end_sessions"]

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

    @admin.action(description=_("重置两步验证（手机丢失）"), permissions=["change"])
    def reset_two_step(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            services.otp_device_reset(user=user, acting_user=request.user)
        self.message_user(request, _("已重置所选用户的两步验证，并退出其所有登录。"))

    @admin.action(description=_("退出所有设备"), permissions=["change"])
    def end_sessions(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            services.sessions_end_others(user=user, acting_user=request.user)
        self.message_user(request, _("所选用户在所有设备上的登录已失效。"))


class ApiTokenAddForm(forms.ModelForm):
    expires_in_days = forms.IntegerField(label=_("有效期（天）"), min_value=1)

    class Meta:
        model = ApiToken
        fields = ["user", "name", "scope"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        super().__init__(*args, **kwargs)
        days = self.fields["expires_in_days"]
        days.max_value = settings.REDPROP_API_TOKEN_MAX_DAYS
        days.validators.append(MaxValueValidator(settings.REDPROP_API_TOKEN_MAX_DAYS))
        days.initial = settings.REDPROP_API_TOKEN_DEFAULT_DAYS

    def clean_user(self) -> Any:
        user = self.cleaned_data["user"]
        if not user.is_active:
            raise forms.ValidationError(_("该账号已停用"))
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(RulesAdmin):
    """Tokens are issued here through ``token_create``: the key is shown once, on the
    page that answers the add form, and only its hash is stored."""

    list_display = ["name", "user", "prefix", "scope", "expires_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    actions = ["revoke"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scope",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["user", "name", "scope", "expires_in_days"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:  # every field is read-only: nothing to save
            return
        try:
            issued = services.token_create(
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"] or TokenScope.READ,
                expires_in_days=form.cleaned_data["expires_in_days"],
                acting_user=request.user,
            )
        except ApplicationError as err:
            raise PermissionDenied(err.message) from err
        obj.pk = issued.token.pk
        obj.__dict__.update(issued.token.__dict__)
        request._rp_issued_key = issued.key  # type: ignore[attr-defined]

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        return None  # token_create wrote the audit row; nothing else to record

    def response_add(
        self, request: HttpRequest, obj: Any, post_url_continue: Any = None
    ) -> HttpResponse:
        """Show the key once, on this page only: it is in no session, cookie or message."""
        return TemplateResponse(
            request,
            "admin/accounts/apitoken/issued.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "token": obj,
                "key": getattr(request, "_rp_issued_key", ""),
                "title": _("API 令牌已签发"),
            },
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the row stays for the record

    @admin.action(description=_("撤销所选令牌"), permissions=["view"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        if not request.user.has_perm("accounts.change_apitoken"):
            raise PermissionDenied
        for token in queryset:
            services.token_revoke(token=token, acting_user=request.user)
        self.message_user(request, _("已撤销所选令牌。"), messages.SUCCESS)


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(HideUnseenObjects, AxesAccessAttemptAdmin):
    """登录锁定: the failed-login counters of django-axes, unlocked through an audited action."""

    actions = ["unlock"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # unlock through the action, which is audited

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=_("解除登录锁定"), permissions=["change"])
    def unlock(self, request: HttpRequest, queryset: Any) -> None:
        count = services.login_unlock(attempts=list(queryset), acting_user=request.user)
        self.message_user(
            request,
            ngettext("已解除 %(n)d 条登录锁定。", "已解除 %(n)d 条登录锁定。", count)
            % {"n": count},
            messages.SUCCESS,
        )


# django-axes' own logs: like every admin here, a row the user may not view answers as a
# missing one (core.admin.HideUnseenObjects).
for _model in (AccessLog, AccessFailureLog):
    _base = type(admin.site._registry[_model])
    admin.site.unregister(_model)
    admin.site.register(_model, type(f"Hidden{_base.__name__}", (HideUnseenObjects, _base), {}))


# TOTP secrets are never shown in the admin: a lost phone is handled by the user
# admin's "重置两步验证" action.
try:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin.site.unregister(TOTPDevice)
except admin.exceptions.NotRegistered:
    pass
