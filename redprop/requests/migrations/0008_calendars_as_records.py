"""Calendars become records (redprop.calendars): a policy's ``"24x7"`` and
``"working_hours"`` names become foreign keys to the seeded records of the same
code; targets gain a unit (minutes or working days) and their own calendar.
Existing targets stay in minutes and requests keep their snapshots, so no stored
due time changes (redprop/requests/tests/test_calendar_migration.py)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


def names_to_records(apps, schema_editor):
    SlaPolicy = apps.get_model("requests", "SlaPolicy")
    WorkCalendar = apps.get_model("calendars", "WorkCalendar")
    records = {c.code: c for c in WorkCalendar.objects.all()}
    for policy in SlaPolicy.objects.all():
        for field in ("urgent_calendar", "standard_calendar"):
            name = getattr(policy, field) or "24x7"
            if name not in records:
                raise RuntimeError(
                    f"policy {policy.pk} uses calendar {name!r}: create a calendar record "
                    "with that code first"
                )
            setattr(policy, f"{field}_record", records[name])
        policy.save(update_fields=["urgent_calendar_record", "standard_calendar_record"])


def default_plan_in_working_days(apps, schema_editor):
    """The platform default's "plan within 1 day" meant one working day: the
    untouched default target (1,440 minutes, no region) becomes 1 working day in
    working hours. Requests already filed keep their snapshot."""
    SlaTarget = apps.get_model("requests", "SlaTarget")
    WorkCalendar = apps.get_model("calendars", "WorkCalendar")
    working = WorkCalendar.objects.filter(code="working_hours").first()
    SlaTarget.objects.filter(
        policy__region__isnull=True,
        policy__name="径河街道“5341”快速响应（平台默认）",
        clock="plan",
        minutes=24 * 60,
    ).update(unit="working_days", working_days=1, minutes=None, calendar=working)


def records_to_names(apps, schema_editor):
    SlaPolicy = apps.get_model("requests", "SlaPolicy")
    for policy in SlaPolicy.objects.select_related(
        "urgent_calendar_record", "standard_calendar_record"
    ):
        for field in ("urgent_calendar", "standard_calendar"):
            record = getattr(policy, f"{field}_record")
            setattr(policy, field, record.code if record else "24x7")
        policy.save(update_fields=["urgent_calendar", "standard_calendar"])


def _calendar_fk(verbose_name):
    return models.ForeignKey(
        blank=True,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="calendars.workcalendar",
        verbose_name=verbose_name,
        help_text="留空为全天候（自然时间）",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0002_seed_cn_and_calendars"),
        ("requests", "0007_backfill_search_text_and_gram_index"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="slatarget", name="target_positive"),
        migrations.AddField(
            model_name="servicerequest",
            name="holidays_missing",
            field=models.BooleanField(default=False, verbose_name="节假日安排未录入"),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="escalate_in",
            field=models.CharField(
                choices=[("target", "按超时时限所用的日历"), ("wall_clock", "按自然时间（全天候）")],
                default="target",
                max_length=16,
                verbose_name="逐级上报的计时",
            ),
        ),
        migrations.AddField(
            model_name="slatarget",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                help_text="留空则用规则的日历",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="calendars.workcalendar",
                verbose_name="计时日历",
            ),
        ),
        migrations.AddField(
            model_name="slatarget",
            name="unit",
            field=models.CharField(
                choices=[
                    ("minutes", "分钟（按日历计时）"),
                    ("working_days", "工作日（到第 N 个工作日下班）"),
                ],
                default="minutes",
                max_length=16,
                verbose_name="单位",
            ),
        ),
        migrations.AddField(
            model_name="slatarget",
            name="working_days",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="到第 N 个工作日下班时（当日不计入）",
                null=True,
                verbose_name="时限（工作日）",
            ),
        ),
        migrations.AlterField(
            model_name="slatarget",
            name="minutes",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="时限（分钟）"),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="urgent_calendar_record",
            field=_calendar_fk("紧急事项计时日历"),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="standard_calendar_record",
            field=_calendar_fk("一般事项计时日历"),
        ),
        migrations.RunPython(names_to_records, records_to_names),
        migrations.RunPython(default_plan_in_working_days, migrations.RunPython.noop),
        migrations.RemoveField(model_name="slapolicy", name="urgent_calendar"),
        migrations.RemoveField(model_name="slapolicy", name="standard_calendar"),
        migrations.RenameField(
            model_name="slapolicy", old_name="urgent_calendar_record", new_name="urgent_calendar"
        ),
        migrations.RenameField(
            model_name="slapolicy",
            old_name="standard_calendar_record",
            new_name="standard_calendar",
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                condition=Q(holidays_missing=True),
                fields=["community"],
                name="req_holidays_missing",
            ),
        ),
        migrations.AddConstraint(
            model_name="slatarget",
            constraint=models.CheckConstraint(
                condition=(
                    Q(minutes__gt=0, minutes__lte=525600, unit="minutes", working_days=None)
                    | Q(unit="working_days", working_days__gt=0, working_days__lte=366)
                ),
                name="target_amount",
                violation_error_message=(
                    "以分钟计的时限须填写 1–525600 分钟（不填工作日）；以工作日计的须填写 1–366 个工作日"
                ),
            ),
        ),
    ]
