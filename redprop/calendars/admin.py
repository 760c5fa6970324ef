"""Admin pages of the working calendars. Every write goes through the services'
audit (redprop.calendars.services); the lists warn from 1 November when next
year's holiday table is missing or not yet checked against the notice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from redprop.calendars import engine, selectors, services
from redprop.calendars.choices import DayKind
from redprop.calendars.models import HolidayTable, HolidayYear, SpecialDay, WorkCalendar, WorkPeriod
from redprop.core.admin import RulesAdmin
from redprop.core.audit import audit, snapshot
from redprop.core.models import AuditEvent


def warn_next_year(request: HttpRequest) -> None:
    """From 1 November: say so when next year's holiday table is missing or provisional."""
    check = selectors.next_year_check(today=selectors.today())
    if not check.warn:
        return
    if check.state == "missing":
        text = _(
            "%(year)s 年节假日安排未录入：请在国务院办公厅通知发布后录入"
            "（manage.py calendar_import），否则按工作时间计算的时限不含节假日和调休。"
        )
    else:
        text = _(
            "%(year)s 年节假日安排为暂定（仅法定节假日，未含调休）："
            "请按国务院办公厅通知核对后重新录入。"
        )
    messages.warning(request, text % {"year": check.year})


class WarningChangelist:
    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        warn_next_year(request)
        return super().changelist_view(request, extra_context)  # type: ignore[misc]


@admin.register(HolidayTable)
class HolidayTableAdmin(WarningChangelist, RulesAdmin):
    list_display = ["code", "name"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(HolidayTable.objects.filter(pk=obj.pk).first()) if change else None
        super().save_model(request, obj, form, change)
        audit(
            actor=request.user,
            event=AuditEvent.CALENDAR_CHANGED,
            target=obj,
            before=before,
            via="admin",
        )


class SpecialDaysFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        year = self.instance.year
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("date") is None:
                continue
            if data["date"].year != year:
                form.add_error(
                    "date",
                    _("%(date)s 不在 %(year)s 年内")
                    % {"date": data["date"].isoformat(), "year": year},
                )


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    formset = SpecialDaysFormSet
    extra = 0
    fields = ["date", "kind", "name"]


@admin.register(HolidayYear)
class HolidayYearAdmin(WarningChangelist, RulesAdmin):
    """A year of a table with its days. Load a whole year with ``manage.py
    calendar_import``; correct single days here. Each change is audited and moves
    the deadlines of open requests that run over the year."""

    list_display = ["table", "year", "status", "days_off", "workdays", "source", "loaded_at"]
    list_filter = ["table", "status"]
    inlines = [SpecialDayInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return (
            super()
            .get_queryset(request)
            .select_related("table")
            .annotate(
                n_off=Count("days", filter=Q(days__kind=DayKind.OFF)),
                n_on=Count("days", filter=Q(days__kind=DayKind.WORKDAY)),
            )
        )

    @admin.display(description=gettext_lazy("放假天数"))
    def days_off(self, obj: Any) -> int:
        return int(obj.n_off)

    @admin.display(description=gettext_lazy("调休上班天数"))
    def workdays(self, obj: Any) -> int:
        return int(obj.n_on)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(HolidayYear.objects.filter(pk=obj.pk).first()) if change else None
        super().save_model(request, obj, form, change)
        audit(actor=request.user, event=AuditEvent.HOLIDAYS_LOADED, target=obj, before=before)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        days = formset.save(commit=False)
        for day in formset.deleted_objects:
            services.special_day_delete(day=day, acting_user=request.user)
        for day in days:
            before = snapshot(SpecialDay.objects.filter(pk=day.pk).first()) if day.pk else None
            services.special_day_save(day=day, acting_user=request.user, before=before)


class PeriodsFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        super().clean()
        week: dict[int, list[Any]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            a, b, wd = data.get("starts_at"), data.get("ends_at"), data.get("weekday")
            if a is None or b is None or wd is None:
                continue
            week.setdefault(wd, []).append((a, b))
        for periods in week.values():
            try:
                engine.WorkingHours(week={0: periods})
            except ValueError:
                raise forms.ValidationError(
                    _("同一天的工作时段须开始早于结束，且互不重叠")
                ) from None


class WorkPeriodInline(admin.TabularInline):
    model = WorkPeriod
    formset = PeriodsFormSet
    extra = 0


@admin.register(WorkCalendar)
class WorkCalendarAdmin(WarningChangelist, RulesAdmin):
    """A calendar's kind, zone, holiday table and periods per weekday. Requests
    already filed keep the periods frozen when they were filed."""

    list_display = ["code", "name", "kind", "tz", "holidays"]
    inlines = [WorkPeriodInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        request._calendar_before = (  # type: ignore[attr-defined]
            snapshot(WorkCalendar.objects.filter(pk=obj.pk).first()) if change else None
        )
        if change:
            request._calendar_before["periods"] = [  # type: ignore[attr-defined]
                str(p) for p in obj.periods.all()
            ]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.work_calendar_changed(
            calendar=form.instance,
            acting_user=request.user,
            before=getattr(request, "_calendar_before", None),
            via="admin",
        )
