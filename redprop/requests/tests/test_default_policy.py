"""The platform's default SLA policy is data installed by a migration: reading it never
writes, and its absence is a clear error rather than a silent insert."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redprop.core.errors import ApplicationError
from redprop.requests import policies
from redprop.requests.defaults import DEFAULT_POLICY_NAME
from redprop.requests.errors import RequestError
from redprop.requests.models import SlaPolicy, SlaTarget

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("redprop.requests.migrations.0010_seed_default_sla_policy")


def _writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_reading_the_default_and_a_places_policy_never_writes(world):
    before = (SlaPolicy.objects.count(), SlaTarget.objects.count())
    with CaptureQueriesContext(connection) as queries:
        default = policies.default_policy()
        for_place = policies.sla_policy_for(place=world.unit)
    assert not _writes(queries)
    assert default.region_id is None and default.name == DEFAULT_POLICY_NAME
    assert for_place == default  # no regional policy in the test world
    assert (SlaPolicy.objects.count(), SlaTarget.objects.count()) == before


def test_no_active_default_is_a_clear_503_and_nothing_is_created(world):
    SlaPolicy.objects.filter(region__isnull=True).update(is_active=False)
    count = SlaPolicy.objects.count()
    with pytest.raises(ApplicationError) as info:
        policies.default_policy()
    assert info.value.code == RequestError.NO_DEFAULT_POLICY
    assert info.value.status == 503
    assert "默认时限规则" in info.value.message
    assert SlaPolicy.objects.count() == count


def test_the_migration_installs_the_5341_default_once(world):
    SlaPolicy.objects.all().delete()  # no request refers to one yet
    MIGRATION.seed(apps, None)
    MIGRATION.seed(apps, None)  # a database that has a default keeps it
    policy = SlaPolicy.objects.get()
    assert policy.region_id is None and policy.is_active
    targets = {
        (t.severity, t.clock): (t.minutes, t.working_days, t.calendar.code if t.calendar else "")
        for t in policy.targets.select_related("calendar")
    }
    assert targets == {
        ("normal", "respond"): (5, None, ""),
        ("normal", "resolve"): (30, None, ""),
        ("major", "respond"): (5, None, ""),
        ("major", "resolve"): (240, None, ""),
        ("complex", "respond"): (5, None, ""),
        ("complex", "plan"): (None, 1, "working_hours"),
    }
    MIGRATION.unseed(apps, None)
    assert not SlaPolicy.objects.exists()
