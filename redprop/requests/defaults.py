"""The platform's default SLA policy as data: installed by a data migration
(``0010_seed_default_sla_policy``) and by the tests' reference data, never by a read.

Takes the model classes as arguments so the migration can pass its historical ones
(like ``taxonomy.install_default_categories``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.requests.choices import Clock, Severity, TargetUnit

DEFAULT_POLICY_NAME = "径河街道“5341”快速响应（平台默认）"

# Jinghe street's "5341", the platform default (DOMAIN.md §3): arrive within
# 5 minutes and solve within 30 (wall clock); a major problem within 4 hours; a
# special complex problem gets a written plan within 1 working day (the close of
# the next working day, in working hours: docs/adr/0015-calendars-and-deadlines.md).
DEFAULT_5341: dict[str, dict[str, int]] = {
    Severity.NORMAL: {Clock.RESPOND: 5, Clock.RESOLVE: 30},
    Severity.MAJOR: {Clock.RESPOND: 5, Clock.RESOLVE: 4 * 60},
    Severity.COMPLEX: {Clock.RESPOND: 5},
}
# Targets in working days: (severity, clock) -> (days, calendar code).
DEFAULT_5341_DAYS: dict[tuple[str, str], tuple[int, str]] = {
    (Severity.COMPLEX, Clock.PLAN): (1, "working_hours"),
}


def install_default_policy(SlaPolicy: Any, SlaTarget: Any, WorkCalendar: Any) -> Any:
    """Create the default policy (no region) with its targets, unless an active one
    exists; returns the active default."""
    existing = SlaPolicy.objects.filter(region__isnull=True, is_active=True).first()
    if existing is not None:
        return existing
    policy = SlaPolicy.objects.create(
        name=DEFAULT_POLICY_NAME,
        effective_from=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
        escalate_after_minutes=[0, 30, 120],
    )
    by_code = {c.code: c for c in WorkCalendar.objects.all()}
    SlaTarget.objects.bulk_create(
        [
            SlaTarget(policy=policy, severity=sev, clock=clock, minutes=minutes)
            for sev, clocks in DEFAULT_5341.items()
            for clock, minutes in clocks.items()
        ]
        + [
            SlaTarget(
                policy=policy,
                severity=sev,
                clock=clock,
                unit=TargetUnit.WORKING_DAYS,
                working_days=days,
                calendar=by_code.get(code),
            )
            for (sev, clock), (days, code) in DEFAULT_5341_DAYS.items()
        ]
    )
    return policy
