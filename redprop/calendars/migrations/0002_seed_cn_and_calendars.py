"""Seed mainland China's holiday table from the installed libraries (2004-2026 from
chinesecalendar, official; 2027 from holidays, provisional: statutory days only,
no 调休) and the two calendars that were names before: ``24x7`` and
``working_hours`` (08:30-12:00, 14:00-17:30, Monday to Friday, table CN)."""

from django.db import migrations

MODELS = ("HolidayTable", "HolidayYear", "SpecialDay", "WorkCalendar", "WorkPeriod")


def seed(apps, schema_editor):
    from redprop.calendars.library import install_default_calendars

    install_default_calendars(*(apps.get_model("calendars", name) for name in MODELS))


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
