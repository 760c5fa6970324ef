"""The SLA clock: warnings, breaches and automatic escalations as they fall due,
the deadlines' recomputation when a holiday table changes, and the auto-close of
what nobody rated."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.notifications.texts import Text
from redprop.requests import policies, sla, stats
from redprop.requests.choices import OPEN_STATES, EventKind, Status
from redprop.requests.models import ServiceRequest, SlaCheckpoint
from redprop.requests.services.base import (
    SLA_FIELDS,
    escalation_targets,
    event,
    events_of,
    handlers,
    lock,
    notify,
    recompute_sla,
    save,
)
from redprop.requests.services.feedback import request_close

# The timeline's and the notice's name of each escalation target (catalogue entries;
# rendered in the reader's language: ``Text(..., context="escalation target")``).
_TARGET_LABELS = {
    policies.GRID: gettext_noop("网格"),
    policies.COMMUNITY: gettext_noop("社区"),
    policies.STREET: gettext_noop("街道"),
}


def escalation_label(request: ServiceRequest, level: int) -> str:
    """What an automatic escalation to ``level`` is called: its target (网格, 社区,
    街道), or 上级 past the last level the policy names."""
    if level > len(policies.escalate_to(request.sla)):
        return gettext_noop("上级")
    return _TARGET_LABELS[policies.escalation_target(request.sla, level)]


def sla_check(*, request_id: int, now: dt.datetime | None = None) -> list[str]:
    """Fire the warnings, breaches and escalations that are due. Idempotent.

    Each checkpoint is a unique row, so a second run (or a second worker) fires
    nothing twice. Returns the keys fired.
    """
    now = now or clock.now()
    with transaction.atomic():
        request = lock(request_id)
        events = events_of(request)
        states, missing_years = sla.evaluate(request, events)
        fired = set(SlaCheckpoint.objects.filter(request=request).values_list("key", flat=True))
        due = sla.checkpoints_due(request, states, now, fired)
        fields: list[str] = []
        if request.holidays_missing != bool(missing_years):
            request.holidays_missing = bool(missing_years)
            fields.append("holidays_missing")
        for key, kind, at in due:
            SlaCheckpoint.objects.create(request=request, key=key, at=now)
            fired.add(key)
            which = key.split(":", 1)[1]
            if kind == "warn":
                event(
                    request,
                    EventKind.DEADLINE_WARNING,
                    actor=None,
                    at=now,
                    clock=which,
                    due=str(states[which].due_at),
                )
                notify(
                    request,
                    "deadline_warning",
                    Text(gettext_noop("诉求即将超时 %(number)s"), {"number": request.number}),
                    Text(
                        gettext_noop("%(category)s：请在时限内处理"),
                        {"category": request.category.name},
                    ),
                    handlers(request),
                    clock=which,
                )
            elif kind == "breach":
                event(
                    request,
                    EventKind.DEADLINE_BREACHED,
                    actor=None,
                    at=now,
                    clock=which,
                    due=at.isoformat(),
                )
                if not request.breached:
                    request.breached = True
                    fields.append("breached")
                    stats.bump(request, breached=1)
            else:
                level = int(which)
                if level > request.escalation_level:
                    if request.escalation_level == 0:
                        stats.bump(request, escalated=1)
                    request.escalation_level = level
                    fields.append("escalation_level")
                target = escalation_label(request, level)
                event(
                    request,
                    EventKind.AUTO_ESCALATED,
                    actor=None,
                    at=now,
                    level=level,
                    note=gettext_noop("超时未办结，自动上报%(target)s") % {"target": target},
                )
                notify(
                    request,
                    "escalated",
                    Text(
                        gettext_noop("超时诉求上报%(target)s %(number)s"),
                        {"target": target, "number": request.number},
                        translated=("target",),
                        context="escalation target",
                    ),
                    f"{request.category.name}：{request.description[:60]}",
                    escalation_targets(request, level),
                    level=level,
                )
        request.next_sla_check_at = sla.next_check(request, states, fired)
        fields.append("next_sla_check_at")
        request.save(update_fields=[*set(fields), "updated_at"])
        return [key for key, _, _ in due]


def sla_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Check every request whose next SLA check time has come. Safe to run anywhere, any time."""
    now = now or clock.now()
    ids = list(
        ServiceRequest.objects.filter(next_sla_check_at__lte=now)
        .order_by("next_sla_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        sla_check(request_id=pk, now=now)
    return len(ids)


def sla_recompute_for_holidays(*, years: Iterable[int], batch: int = 500) -> int:
    """Recompute the deadlines of the open requests that may run over ``years``: a
    holiday table changed (``redprop.calendars.signals.holidays_changed``), so a
    deadline counted in working time may move, and a request flagged 节假日安排未录入
    may now have its table. Runs inside the caller's transaction; returns how many
    requests were recomputed. The timeline gets no event: the deadline is what the
    loaded calendar says it always was."""
    years = sorted(years)
    if not years:
        return 0
    since = dt.datetime(years[0], 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=1)
    reaching = (
        Q(holidays_missing=True)
        | Q(respond_due_at__gte=since)
        | Q(resolve_due_at__gte=since)
        | Q(plan_due_at__gte=since)
        | Q(next_sla_check_at__gte=since)
    )
    ids = list(
        ServiceRequest.objects.filter(reaching, status__in=OPEN_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        for request in ServiceRequest.objects.select_for_update().filter(
            pk__in=ids[start : start + batch]
        ):
            recompute_sla(request)
            save(request, SLA_FIELDS)
    return len(ids)


def auto_close_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Close resolved requests nobody rated within the policy's days (default 7)."""
    now = now or clock.now()
    closed = 0
    candidates = ServiceRequest.objects.filter(
        status__in=[Status.RESOLVED, Status.RATED], resolved_at__lte=now - dt.timedelta(days=1)
    ).select_related("policy")[:limit]
    for r in candidates:
        if r.resolved_at and r.resolved_at <= now - dt.timedelta(days=r.policy.auto_close_days):
            request_close(
                request=r, acting_user=None, note=gettext_noop("超过评价期限，系统自动关闭")
            )
            closed += 1
    return closed
