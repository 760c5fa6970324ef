"""The SLA clock: deadlines derived from the request's timeline and frozen policy.

Clocks (their minutes come from ``request.sla``, frozen at filing):

* respond — from the first dispatch to the response event (arrival on site in
  Jinghe's 5341; acceptance where the policy says "reply");
* resolve — from the first dispatch (or the last reopening) to resolution;
* plan — for complex problems, from the first dispatch or the moment a plan was
  required, to the plan's submission; the plan then sets its own resolve deadline.

Every clock counts in the request's calendar (24×7 or working hours with China's
holidays and 调休) and stops while the request waits on the resident. Nothing here
writes: ``services`` and the sweep call ``recompute`` inside their transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from redprop.requests.calendars import (
    Calendar,
    add_with_pauses,
    calendar_from_spec,
    elapsed_with_pauses,
)
from redprop.requests.choices import Clock, EventKind, Status


@dataclass(frozen=True)
class ClockState:
    clock: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    stopped_at: dt.datetime | None  # when the clock was satisfied

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None


def calendar_of(request: Any) -> Calendar:
    return calendar_from_spec(request.sla.get("calendar", "24x7"))


def pauses_of(events: Iterable[Any]) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """Pause intervals from PAUSED/RESUMED events (an open pause has no end)."""
    pauses: list[tuple[dt.datetime, dt.datetime | None]] = []
    start: dt.datetime | None = None
    for e in events:
        if e.kind == EventKind.PAUSED and start is None:
            start = e.at
        elif e.kind == EventKind.RESUMED and start is not None:
            pauses.append((start, e.at))
            start = None
    if start is not None:
        pauses.append((start, None))
    return pauses


def clocks(request: Any, events: list[Any]) -> dict[str, ClockState]:
    """The state of each clock, from the timeline alone."""
    sla = request.sla
    cal = calendar_of(request)
    pauses = pauses_of(events)
    warn_ratio = float(sla.get("warn_ratio", 0.8))
    respond_kind = (
        EventKind.ACCEPTED if sla.get("respond_event") == "accepted" else EventKind.ARRIVED
    )

    first_dispatch = next((e.at for e in events if e.kind == EventKind.DISPATCHED), None)
    responded = next((e.at for e in events if e.kind == respond_kind), None)
    if responded is None and respond_kind == EventKind.ARRIVED:
        # Solved without a site visit (e.g. by phone): resolution is the response.
        responded = next((e.at for e in events if e.kind == EventKind.RESOLVED), None)
    last_reopen = max((e.at for e in events if e.kind == EventKind.REOPENED), default=None)
    resolved = max((e.at for e in events if e.kind == EventKind.RESOLVED), default=None)
    if resolved is not None and last_reopen is not None and resolved < last_reopen:
        resolved = None
    plan_required = next((e.at for e in events if e.kind == EventKind.PLAN_REQUIRED), None)
    plan_event = next((e for e in events if e.kind == EventKind.PLAN_SUBMITTED), None)

    def state(clock: str, start: dt.datetime | None, minutes: int | None, stop: Any) -> ClockState:
        if start is None or not minutes:
            return ClockState(clock, start, None, None, stop)
        d = dt.timedelta(minutes=minutes)
        due = add_with_pauses(cal, start, d, pauses)
        warn = add_with_pauses(cal, start, d * warn_ratio, pauses)
        return ClockState(clock, start, due, warn, stop)

    out: dict[str, ClockState] = {
        Clock.RESPOND: state(Clock.RESPOND, first_dispatch, sla.get(Clock.RESPOND), responded)
    }

    plan_minutes = sla.get(Clock.PLAN)
    needs_plan = plan_required is not None or (plan_minutes and not sla.get(Clock.RESOLVE))
    if needs_plan:
        plan_start = plan_required or first_dispatch
        out[Clock.PLAN] = state(
            Clock.PLAN,
            plan_start,
            plan_minutes or 24 * 60,
            plan_event.at if plan_event else None,
        )
    resolve_start = last_reopen or first_dispatch
    if plan_event is not None and plan_event.data.get("resolve_by"):
        due = dt.datetime.fromisoformat(plan_event.data["resolve_by"])
        out[Clock.RESOLVE] = ClockState(Clock.RESOLVE, resolve_start, due, None, resolved)
    elif needs_plan:
        # Until the plan is in, the plan's own clock is the one that runs.
        out[Clock.RESOLVE] = ClockState(Clock.RESOLVE, resolve_start, None, None, resolved)
    else:
        out[Clock.RESOLVE] = state(Clock.RESOLVE, resolve_start, sla.get(Clock.RESOLVE), resolved)
    return out


def counted(request: Any, events: list[Any], start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Counted time between two instants (calendar minus pauses): for durations in reports."""
    return elapsed_with_pauses(calendar_of(request), start, end, pauses_of(events))


def checkpoints_due(
    request: Any, states: dict[str, ClockState], now: dt.datetime, fired: set[str]
) -> list[tuple[str, str, dt.datetime]]:
    """Checkpoints (key, kind, at) that are due by ``now`` and have not fired."""
    due: list[tuple[str, str, dt.datetime]] = []
    if request.status in {Status.CLOSED, Status.CANCELLED, Status.MERGED}:
        return due
    first_breach: dt.datetime | None = None
    for clock, st in states.items():
        if not st.running:
            continue
        # A warning is pointless once the deadline itself has passed.
        breached_already = bool(st.due_at and st.due_at <= now)
        if (
            st.warn_at
            and st.warn_at <= now
            and f"warn:{clock}" not in fired
            and not breached_already
        ):
            due.append((f"warn:{clock}", "warn", st.warn_at))
        if st.due_at and st.due_at <= now:
            if f"breach:{clock}" not in fired:
                due.append((f"breach:{clock}", "breach", st.due_at))
            first_breach = min(first_breach or st.due_at, st.due_at)
    if first_breach is not None:
        for level, after in enumerate(request.sla.get("escalate", []), start=1):
            at = first_breach + dt.timedelta(minutes=after)
            if at <= now and f"escalate:{level}" not in fired:
                due.append((f"escalate:{level}", "escalate", at))
    return due


def next_check(request: Any, states: dict[str, ClockState], fired: set[str]) -> dt.datetime | None:
    """The next instant at which a checkpoint may fire (None: nothing pending)."""
    if request.status in {Status.CLOSED, Status.CANCELLED, Status.MERGED}:
        return None
    times: list[dt.datetime] = []
    breaches: list[dt.datetime] = []
    for clock, st in states.items():
        if not st.running:
            continue
        if st.warn_at and f"warn:{clock}" not in fired:
            times.append(st.warn_at)
        if st.due_at:
            breaches.append(st.due_at)
            if f"breach:{clock}" not in fired:
                times.append(st.due_at)
    if breaches:
        first = min(breaches)
        for level, after in enumerate(request.sla.get("escalate", []), start=1):
            if f"escalate:{level}" not in fired:
                times.append(first + dt.timedelta(minutes=after))
                break
    return min(times) if times else None
