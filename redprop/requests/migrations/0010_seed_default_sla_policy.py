"""Seed the platform's default SLA policy (Jinghe's "5341", DOMAIN.md §3), which
``policies.default_policy`` used to create on first read. A read path never writes
now: the row is here from the start, edited in the admin like any other policy. A
database that already has an active default (made by the old first read) keeps it.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from redprop.requests.defaults import install_default_policy

    install_default_policy(
        apps.get_model("requests", "SlaPolicy"),
        apps.get_model("requests", "SlaTarget"),
        apps.get_model("calendars", "WorkCalendar"),
    )


def unseed(apps, schema_editor):
    """Back out only an unused seed: a default that requests were filed under stays."""
    from redprop.requests.defaults import DEFAULT_POLICY_NAME

    SlaPolicy = apps.get_model("requests", "SlaPolicy")
    ServiceRequest = apps.get_model("requests", "ServiceRequest")
    SlaPolicy.objects.filter(region__isnull=True, name=DEFAULT_POLICY_NAME).exclude(
        pk__in=ServiceRequest.objects.values("policy_id")
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("calendars", "0002_seed_cn_and_calendars"),
        ("requests", "0009_merge_20261206_1456"),
        # After the ladder column exists, so that unapplying runs in the reverse order
        # (the seed's rows go before the column they were written with).
        ("requests", "0010_sla_policy_escalate_to"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
