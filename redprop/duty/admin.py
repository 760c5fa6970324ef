"""The roster in the admin: shifts listed by company (filters) and a day view
("值班表 · 按日": who is on duty when, for one company or all in scope). Every add,
change and delete goes through the services, so the admin cannot write a shift the
services would refuse, and each write leaves the services' audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.admin import ScopedAdmin
from redprop.core.errors import ApplicationError
from redprop.duty import selectors, services
from redprop.duty.choices import ALL_WEEK, WEEKDAY_LABELS, DayRule, Duty, ShiftKind
from redprop.duty.models import Shift
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import Org

# Service error fields → form fields.
_FIELD = {"weekdays": "weekday_set", "last_day": "effective_to"}


def weekdays_label(mask: int, day_rule: str = DayRule.ALL, every_weeks: int = 1) -> str:
    """每天 / 周一、周三 …, plus （仅工作日）/（仅休息日） and （每 N 周）."""
    text = (
        gettext("每天")
        if mask == ALL_WEEK
        else pgettext("list separator", "、").join(
            str(WEEKDAY_LABELS[i]) for i in range(7) if mask & (1 << i)
        )
    )
    if day_rule == DayRule.WORKING:
        text += gettext("（仅工作日）")
    elif day_rule == DayRule.REST:
        text += gettext("（仅休息日）")
    if every_weeks > 1:
        text += gettext("（每 %(n)d 周）") % {"n": every_weeks}
    return text


def editable_orgs(user: Any) -> QuerySet[Org]:
    """The property companies whose roster ``user`` may edit."""
    qs = Org.objects.filter(kind=OrgKind.PROPERTY_COMPANY, is_active=True)
    if user.has_role(Role.SYSADMIN):
        return qs.order_by("name")
    ids = [r.org_id for r in user.active_roles if r.role == Role.COMPANY_STAFF and r.org_id]
    return qs.filter(pk__in=ids).order_by("name")


def place_choices(org_ids: list[int]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grids, communities and streets where ``org_ids`` serve a compound, grouped."""
    from redprop.territory.models import Building, Compound, Grid, Region

    grids = Grid.objects.filter(
        pk__in=Building.objects.filter(compound__company_id__in=org_ids).values("grid_id")
    ).select_related("community")
    served = Compound.objects.filter(company_id__in=org_ids)
    communities = Region.objects.filter(pk__in=served.values("community_id")).order_by("code")
    streets = Region.objects.filter(pk__in=served.values("street_id")).order_by("code")
    return [
        (gettext("网格"), [(f"grid:{g.pk}", f"{g.community} · {g.name}") for g in grids]),
        (gettext("社区"), [(f"region:{r.pk}", str(r)) for r in communities]),
        (gettext("街道"), [(f"region:{r.pk}", str(r)) for r in streets]),
    ]


def place_from_choice(value: str) -> Any:
    from redprop.territory.models import Grid, Region

    kind, _sep, pk = (value or "").partition(":")
    model = {"grid": Grid, "region": Region}.get(kind)
    if model is None or not pk.isdigit():
        return None
    return model.objects.filter(pk=int(pk)).first()


def place_value(shift: Shift) -> str:
    if shift.grid_id:
        return f"grid:{shift.grid_id}"
    return f"region:{shift.community_id or shift.street_id}"


class ShiftForm(forms.ModelForm):
    place = forms.ChoiceField(label=_("值班地点"))
    weekday_set = forms.MultipleChoiceField(
        label=_("星期"),
        choices=[(str(i), label) for i, label in enumerate(WEEKDAY_LABELS)],
        widget=forms.CheckboxSelectMultiple,
        initial=[str(i) for i in range(7)],
        help_text=_("选择“仅工作日”时请勾选全部七天，调休上班的周末才会排上"),
    )

    class Meta:
        model = Shift
        fields = [
            "org",
            "user",
            "duty",
            "kind",
            "place",
            "starts_at",
            "ends_at",
            "weekday_set",
            "day_rule",
            "every_weeks",
            "effective_from",
            "effective_to",
            "note",
        ]
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "ends_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "effective_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "effective_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    acting_user: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "org" not in self.fields:
            # The view-only form (a desk that may read the roster, not edit it): every
            # field is read-only, nothing to set up.
            return
        orgs = editable_orgs(self.acting_user)
        org_ids = [o.pk for o in orgs]
        if self.instance.pk:
            org_ids = [self.instance.org_id]
            for name in ("org", "user"):
                self.fields[name].disabled = True
            self.fields["org"].queryset = Org.objects.filter(pk=self.instance.org_id)
            self.fields["user"].queryset = type(self.instance.user).objects.filter(
                pk=self.instance.user_id
            )
            self.initial["place"] = place_value(self.instance)
            self.initial["weekday_set"] = [
                str(i) for i in range(7) if self.instance.weekdays & (1 << i)
            ]
        else:
            self.fields["org"].queryset = orgs
            self.fields["user"].queryset = selectors.staff_of(org_ids=org_ids)
            self.initial.setdefault("effective_from", timezone.localdate())
            self.initial.setdefault("duty", Duty.MAINTENANCE)
            self.initial.setdefault("kind", ShiftKind.REGULAR)
            if len(org_ids) == 1:
                self.initial.setdefault("org", org_ids[0])
        self.fields["place"].choices = [("", "---------"), *place_choices(org_ids)]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        place = place_from_choice(data.get("place", ""))
        if place is None:
            self.add_error("place", gettext("请选择值班地点"))
            return data
        data["place_obj"] = place
        data["weekdays"] = sum(1 << int(i) for i in data.get("weekday_set") or [])
        org = self.instance.org if self.instance.pk else data["org"]
        user = self.instance.user if self.instance.pk else data["user"]
        if not services.may_edit_roster(self.acting_user, org):
            self.add_error("org", gettext("只有本企业工作人员或系统管理员可以排班"))
            return data
        try:
            services.shift_check(
                org=org,
                user=user,
                place=place,
                duty=data["duty"],
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                effective_from=data["effective_from"],
                effective_to=data.get("effective_to"),
                weekdays=data["weekdays"],
                day_rule=data["day_rule"],
                every_weeks=data["every_weeks"],
                exclude_pk=self.instance.pk,
            )
        except ApplicationError as exc:
            field = _FIELD.get(exc.field or "", exc.field)
            self.add_error(field if field in self.fields else None, exc.message)
        return data


@admin.register(Shift)
class ShiftAdmin(ScopedAdmin):
    form = ShiftForm
    allow_add = True
    change_list_template = "admin/duty/shift/change_list.html"
    list_display = [
        "user",
        "org",
        "duty",
        "kind",
        "place_label",
        "weekday_text",
        "span_label",
        "day_rule",
        "effective_from",
        "effective_to",
    ]
    list_filter = [("org", admin.RelatedOnlyFieldListFilter), "duty", "kind", "day_rule"]
    search_fields = ["user__display_name", "user__username", "note"]
    list_select_related = ["org", "user", "grid", "community", "street"]
    ordering = ["org_id", "starts_at", "id"]

    @admin.display(description=_("星期"))
    def weekday_text(self, obj: Shift) -> str:
        return weekdays_label(obj.weekdays, obj.day_rule, obj.every_weeks)

    @admin.display(description=_("值班地点"))
    def place_label(self, obj: Shift) -> str:
        return obj.place_label

    @admin.display(description=_("时间"))
    def span_label(self, obj: Shift) -> str:
        return obj.span_label

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):  # type: ignore[no-untyped-def]
        form = super().get_form(request, obj, change=change, **kwargs)
        return type("BoundShiftForm", (form,), {"acting_user": request.user})

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        fields = {
            "duty": data["duty"],
            "kind": data["kind"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "effective_from": data["effective_from"],
            "effective_to": data.get("effective_to"),
            "weekdays": data["weekdays"],
            "day_rule": data["day_rule"],
            "every_weeks": data["every_weeks"],
            "note": data.get("note", ""),
        }
        if change:
            saved = services.shift_update(
                shift=obj, place=data["place_obj"], acting_user=request.user, **fields
            )
        else:
            saved = services.shift_create(
                org=data["org"],
                user=data["user"],
                place=data["place_obj"],
                acting_user=request.user,
                **fields,
            )
        # The admin logs and redirects with ``obj``: let it be the row the service wrote.
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.shift_delete(shift=obj, acting_user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("day/", self.admin_site.admin_view(self.day_view), name="duty_shift_day"),
            *super().get_urls(),
        ]

    def day_view(self, request: HttpRequest) -> HttpResponse:
        """值班表 · 按日: the occurrences running on one day, for one company or all."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        scope = request.user.scope_set()  # type: ignore[union-attr]
        orgs = list(selectors.orgs_on_roster(scope=scope))
        status, error = 200, ""
        day = timezone.localdate()
        raw_day = request.GET.get("date", "")
        if raw_day:
            try:
                day = dt.date.fromisoformat(raw_day)
            except ValueError:
                status, error = 400, gettext("日期格式不正确，请使用 年-月-日（例如 2026-12-01）")
        org_id: int | None = None
        raw_org = request.GET.get("org", "")
        if raw_org:
            if not raw_org.isdigit() or int(raw_org) not in {o.pk for o in orgs}:
                status, error = 400, gettext("所选企业不存在或不在您的管辖范围内")
            else:
                org_id = int(raw_org)
        entries = [] if status != 200 else selectors.roster_day(scope=scope, org_id=org_id, day=day)
        now = clock.now()
        rows = [
            {
                "entry": e,
                "now": e.running_at(now),
                "weekdays": weekdays_label(e.shift.weekdays, e.shift.day_rule, e.shift.every_weeks),
            }
            for e in entries
        ]
        if error:
            messages.error(request, error)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("值班表 · 按日"),
            "rows": rows,
            "orgs": orgs,
            "org_id": org_id,
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "error": error,
        }
        return TemplateResponse(request, "admin/duty/roster_day.html", context, status=status)
