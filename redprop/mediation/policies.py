"""Periods of petitions and disputes as data, and the deadline arithmetic.

* ``policy_for`` — the policy in force for a place (community, street, district, city,
  then the platform default: the national 信访工作条例's 15 and 60 days).
* ``snapshot`` — the periods frozen onto a case at registration.
* ``deadline`` — the end of a period in days, counted the way the policy says:

  - calendar days (自然日, the default; the regulation says 日, not 工作日): the day the
    clock starts does not count; the period ends at 24:00 of its last day; a last day
    that is a statutory day off moves to the next working day (民法典 arts. 201–203,
    docs/adr/0026-mediation-and-petitions.md);
  - working days (工作日): 24:00 of the N-th working day after the start day.

  Which days are off comes from the working calendar's holiday table
  (``redprop.calendars``), so a State Council notice loaded later moves deadlines.
* ``checkpoints_due`` / ``next_check`` — the sweep's warnings, breaches and
  escalations (each fires strictly after its instant, like the requests' SLA clock).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from redprop.calendars.selectors import is_working_day
from redprop.mediation.choices import CaseKind, DayUnit, Status
from redprop.mediation.models import MediationPolicy

CHECK_AFTER = dt.timedelta(microseconds=1)
_MAX_SHIFT = 60  # no run of days off is longer than this

# 信访工作条例 (2022): decide within 15 days whether to accept; conclude within 60 days
# of acceptance; a complex matter may be extended once, by at most 30 days, with the
# reason told to the petitioner. Disputes: the community's own choice (ADR 0026).
DEFAULTS: dict[str, Any] = {
    "day_unit": DayUnit.CALENDAR.value,
    "petition": {"accept": 15, "answer": 60},
    "dispute": {"accept": 3, "answer": 30},
    "max_extension": 30,
    "warn_days": 3,
    "escalate": [0, 5],
}


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def policy_for(*, place: Any, at: dt.datetime | None = None) -> MediationPolicy | None:
    """The most specific active policy for a place (None: the platform default)."""
    at = at or timezone.now()
    region_ids = [
        getattr(place, f"{level}_id", None) for level in ("community", "street", "district", "city")
    ]
    candidates = list(
        MediationPolicy.objects.filter(is_active=True, effective_from__lte=at).order_by(
            "-effective_from", "-id"
        )
    )
    for region_id in [*(r for r in region_ids if r), None]:
        for policy in candidates:
            if policy.region_id == region_id:
                return policy
    return None


def snapshot(policy: MediationPolicy | None) -> dict[str, Any]:
    """The periods a new case is judged by, frozen at registration."""
    if policy is None:
        return {**DEFAULTS, "policy": None}
    return {
        "day_unit": policy.day_unit,
        "petition": {"accept": policy.petition_accept_days, "answer": policy.petition_answer_days},
        "dispute": {"accept": policy.dispute_accept_days, "answer": policy.dispute_answer_days},
        "max_extension": policy.max_extension_days,
        "warn_days": policy.warn_days,
        "escalate": [int(d) for d in (policy.escalate_after_days or [])],
        "policy": policy.pk,
    }


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=_tz())


def deadline(start: dt.datetime, days: int, unit: str) -> dt.datetime:
    """24:00 (Asia/Shanghai) of the last day of a period of ``days`` days after ``start``."""
    if days < 1:
        raise ValueError("a period needs at least one day")
    day = timezone.localtime(start, _tz()).date()
    if unit == DayUnit.WORKING:
        counted = 0
        while counted < days:
            day += dt.timedelta(days=1)
            if is_working_day(day):
                counted += 1
        return _end_of(day)
    day += dt.timedelta(days=days)
    for _ in range(_MAX_SHIFT):
        if is_working_day(day):
            break
        day += dt.timedelta(days=1)
    return _end_of(day)


def period(case: Any, clock: str) -> int:
    """Days of ``clock`` ("accept" or "answer") for the case's kind, extension included."""
    kind = CaseKind.PETITION if case.kind == CaseKind.PETITION else CaseKind.DISPUTE
    days = int(case.policy.get(kind, DEFAULTS[kind]).get(clock, DEFAULTS[kind][clock]))
    if clock == "answer":
        days += int(case.extended_days or 0)
    return days


def accept_due(case: Any) -> dt.datetime:
    return deadline(
        case.received_at, period(case, "accept"), case.policy.get("day_unit", "calendar")
    )


def answer_due(case: Any) -> dt.datetime | None:
    if case.accepted_at is None:
        return None
    return deadline(
        case.accepted_at, period(case, "answer"), case.policy.get("day_unit", "calendar")
    )


def running_clock(case: Any) -> tuple[str, dt.datetime | None] | None:
    """The clock that runs now (name, due), or None when no clock runs."""
    if case.status == Status.REGISTERED:
        return "accept", case.accept_due_at
    if case.status in {Status.ACCEPTED, Status.MEDIATING}:
        return "answer", case.answer_due_at
    return None


def _escalations(case: Any, due: dt.datetime) -> list[tuple[int, dt.datetime]]:
    steps = case.policy.get("escalate", DEFAULTS["escalate"]) or []
    return [(level, due + dt.timedelta(days=int(d))) for level, d in enumerate(steps, start=1)]


def checkpoints_due(
    case: Any, now: dt.datetime, fired: set[str]
) -> list[tuple[str, str, dt.datetime]]:
    """Checkpoints (key, kind, instant) due by ``now`` that have not fired. A warning
    is skipped once the deadline itself has passed; work at the due instant is on time."""
    clock = running_clock(case)
    if clock is None:
        return []
    name, due = clock
    if due is None:
        return []
    out: list[tuple[str, str, dt.datetime]] = []
    warn = due - dt.timedelta(days=int(case.policy.get("warn_days", DEFAULTS["warn_days"])))
    if due < now:
        if f"breach:{name}" not in fired:
            out.append((f"breach:{name}", "breach", due))
        for level, at in _escalations(case, due):
            if at < now and f"escalate:{name}:{level}" not in fired:
                out.append((f"escalate:{name}:{level}", "escalate", at))
    elif warn < now and f"warn:{name}" not in fired:
        out.append((f"warn:{name}", "warn", warn))
    return out


def next_check(case: Any, fired: set[str]) -> dt.datetime | None:
    """Just after the next instant at which a checkpoint may fire (None: nothing)."""
    clock = running_clock(case)
    if clock is None:
        return None
    name, due = clock
    if due is None:
        return None
    warn = due - dt.timedelta(days=int(case.policy.get("warn_days", DEFAULTS["warn_days"])))
    times: list[dt.datetime] = []
    if f"warn:{name}" not in fired and f"breach:{name}" not in fired:
        times.append(warn)
    if f"breach:{name}" not in fired:
        times.append(due)
    for level, at in _escalations(case, due):
        if f"escalate:{name}:{level}" not in fired:
            times.append(at)
            break
    return min(times) + CHECK_AFTER if times else None
