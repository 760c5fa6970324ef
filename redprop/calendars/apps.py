from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "redprop.calendars"
    label = "calendars"
    verbose_name = _("工作日历")

    def ready(self) -> None:
        from redprop.calendars.models import (
            HolidayTable,
            HolidayYear,
            SpecialDay,
            WorkCalendar,
            WorkPeriod,
        )
        from redprop.calendars.selectors import REFDATA_CALENDARS, holidays_health
        from redprop.core import health, refdata

        # Deadlines on the intake path read calendars from memory (docs/adr/0006-lean-intake.md).
        for model in (HolidayTable, HolidayYear, SpecialDay, WorkCalendar, WorkPeriod):
            refdata.watch(model, REFDATA_CALENDARS)

        health.register("holidays", holidays_health)
