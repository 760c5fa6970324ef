"""The SLA clock: deadlines derived from the request's timeline and frozen policy.

Clocks (their minutes come from ``request.sla``, frozen at filing):

* respond — from the first dispatch to the response event (arrival on site in
  Jinghe's 5341; acceptance where the policy says "reply");
* resolve — from the first dispatch (or the last reopening) to resolution;
* plan — for complex problems, from the first dispatch or the moment a plan was
  required, to the plan's submission; the plan then sets its own resolve deadline.

Every clock counts in its calendar (``redprop.calendars``: 24×7, or working hours
per weekday with a holiday table) and stops while the request waits on the
resident. The snapshot (``request.sla``) names the policy's calendar
(``"calendar"``) and any target's own (``"calendars"``); a target runs for
minutes of its calendar (``"respond": 5``) or for working days
(``"working_days": {"plan": 1}``: the close of the N-th working day after the day
the clock starts, ``redprop.calendars.engine``).

The boundary (one rule, docs/adr/0015-calendars-and-deadlines.md): work done at
the due instant is on time, and every checkpoint (warning, breach, escalation)
fires strictly after its instant; the sweep looks again ``CHECK_AFTER`` later.
Escalation steps count in the calendar of the clock that breached first, or in
wall-clock minutes when the policy says so (``"escalate_in"``); snapshots from
before calendars were data (no ``"version"``) escalate in wall-clock minutes and
fall back to 1,440 minutes for a plan, as they were filed.

Nothing here writes: ``services`` and the sweep call ``recompute`` inside their
transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from redprop.calendars import selectors as calendars
from redprop.calendars.engine import Calendar, add_with_pauses, elapsed_with_pauses
from redprop.requests.choices import Clock, EventKind, Status

# Checkpoints fire strictly after their instant; the next check is this much later.
CHECK_AFTER = dt.timedelta(microseconds=1)
SNAPSHOT_VERSION = 2
ESCALATE_WALL_CLOCK = "wall_clock"
ESCALATE_TARGET = "target"

CalendarBuilder = Callable[[Any], Calendar]


@dataclass(frozen=True)
class ClockState:
    clock: str
    started_at: dt.datetime | None
    due_at: dt.datetime | None
    warn_at: dt.datetime | None
    stopped_at: dt.datetime | None  # when the clock was satisfied
    calendar: Calendar | None = field(default=None, compare=False, repr=False)

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.stopped_at is None


class Calendars:
    """The calendars of one request's clocks, built once per evaluation; remembers
    the years without a holiday table that the arithmetic touched."""

    def __init__(self, sla: dict[str, Any], build: CalendarBuilder | None = None) -> None:
        self.sla = sla
        self.build = build or calendars.calendar_for
        self._built: dict[str, Calendar] = {}

    def spec(self, clock: str | None) -> Any:
        own = (self.sla.get("calendars") or {}).get(clock) if clock else None
        return own or self.sla.get("calendar", "24x7")

    def of(self, clock: str | None = None) -> Calendar:
        spec = self.spec(clock)
        key = json.dumps(spec, sort_keys=True)
        if key not in self._built:
            self._built[key] = self.build(spec)
        return self._built[key]

    @property
    def missing_years(self) -> set[int]:
        years: set[int] = set()
        for cal in self._built.values():
            years |= getattr(cal, "missing_years", set())
        return years


def calendar_of(request: Any, clock: str | None = None) -> Calendar:
    """The calendar ``clock`` counts in (the policy's when the target has none)."""
    return Calendars(request.sla).of(clock)


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
    return evaluate(request, events)[0]


def evaluate(
    request: Any, events: list[Any], *, build: CalendarBuilder | None = None
) -> tuple[dict[str, ClockState], set[int]]:
    """The state of each clock, and the years without a holiday table the deadlines
    were computed over (the request is flagged 节假日安排未录入 when any)."""
    sla = request.sla
    cals = Calendars(sla, build)
    pauses = pauses_of(events)
    days_of: dict[str, int] = sla.get("working_days") or {}
    legacy = sla.get("version") is None
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

    def state(
        clock: str,
        start: dt.datetime | None,
        stop: Any,
        minutes: int | None = None,
        days: int | None = None,
    ) -> ClockState:
        cal = cals.of(clock)
        if start is None or not (minutes or days):
            return ClockState(clock, start, None, None, stop, cal)
        if days:
            # The counted time up to the close of the N-th working day, so that a
            # pause pushes the deadline back like any other target's.
            d = cal.elapsed(start, cal.working_days_end(start, int(days)))
        else:
            d = dt.timedelta(minutes=int(minutes or 0))
        due = add_with_pauses(cal, start, d, pauses)
        warn = add_with_pauses(cal, start, d * warn_ratio, pauses)
        return ClockState(clock, start, due, warn, stop, cal)

    def target(clock: str) -> dict[str, int | None]:
        return {"minutes": sla.get(clock), "days": days_of.get(clock)}

    out: dict[str, ClockState] = {
        Clock.RESPOND: state(Clock.RESPOND, first_dispatch, responded, **target(Clock.RESPOND))
    }

    has_plan = bool(sla.get(Clock.PLAN) or days_of.get(Clock.PLAN))
    has_resolve = bool(sla.get(Clock.RESOLVE) or days_of.get(Clock.RESOLVE))
    needs_plan = plan_required is not None or (has_plan and not has_resolve)
    if needs_plan:
        plan_start = plan_required or first_dispatch
        plan_target = target(Clock.PLAN)
        if not has_plan:
            # A plan required where the policy sets none: 1 working day (the 5341
            # "plan within 1 day"); 1,440 minutes for snapshots filed before.
            plan_target = {"minutes": 24 * 60} if legacy else {"days": 1}
        out[Clock.PLAN] = state(
            Clock.PLAN, plan_start, plan_event.at if plan_event else None, **plan_target
        )
    resolve_start = last_reopen or first_dispatch
    if plan_event is not None and plan_event.data.get("resolve_by"):
        due = dt.datetime.fromisoformat(plan_event.data["resolve_by"])
        out[Clock.RESOLVE] = ClockState(
            Clock.RESOLVE, resolve_start, due, None, resolved, cals.of(Clock.RESOLVE)
        )
    elif needs_plan:
        # Until the plan is in, the plan's own clock is the one that runs.
        out[Clock.RESOLVE] = ClockState(
            Clock.RESOLVE, resolve_start, None, None, resolved, cals.of(Clock.RESOLVE)
        )
    else:
        out[Clock.RESOLVE] = state(Clock.RESOLVE, resolve_start, resolved, **target(Clock.RESOLVE))
    return out, cals.missing_years


def counted(request: Any, events: list[Any], start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Counted time between two instants (calendar minus pauses): for durations in reports."""
    return elapsed_with_pauses(calendar_of(request), start, end, pauses_of(events))


def _escalations(
    request: Any, states: dict[str, ClockState], fired: set[str]
) -> list[tuple[int, dt.datetime]]:
    """(level, instant) of each escalation step, counted from the first breach: in the
    calendar of the clock that breached first, or in wall-clock minutes."""
    steps = request.sla.get("escalate", [])
    breaches = [(st.due_at, st) for st in states.values() if st.running and st.due_at is not None]
    if not steps or not breaches:
        return []
    first, st = min(breaches, key=lambda b: b[0])
    wall = request.sla.get("escalate_in", ESCALATE_WALL_CLOCK) == ESCALATE_WALL_CLOCK
    cal = None if wall else st.calendar
    out = []
    for level, after in enumerate(steps, start=1):
        delay = dt.timedelta(minutes=after)
        out.append((level, first + delay if cal is None else cal.add(first, delay)))
    return out


def checkpoints_due(
    request: Any, states: dict[str, ClockState], now: dt.datetime, fired: set[str]
) -> list[tuple[str, str, dt.datetime]]:
    """Checkpoints (key, kind, at) that are due by ``now`` and have not fired.

    Each fires strictly after its instant: at the due instant itself nothing is
    breached (work done then is on time)."""
    due: list[tuple[str, str, dt.datetime]] = []
    if request.status in {Status.CLOSED, Status.CANCELLED, Status.MERGED}:
        return due
    breached_any = False
    for clock, st in states.items():
        if not st.running:
            continue
        # A warning is pointless once the deadline itself has passed.
        breached_already = bool(st.due_at and st.due_at < now)
        if (
            st.warn_at
            and st.warn_at < now
            and f"warn:{clock}" not in fired
            and not breached_already
        ):
            due.append((f"warn:{clock}", "warn", st.warn_at))
        if breached_already and st.due_at is not None:
            breached_any = True
            if f"breach:{clock}" not in fired:
                due.append((f"breach:{clock}", "breach", st.due_at))
    if breached_any:
        for level, at in _escalations(request, states, fired):
            if at < now and f"escalate:{level}" not in fired:
                due.append((f"escalate:{level}", "escalate", at))
    return due


def next_check(request: Any, states: dict[str, ClockState], fired: set[str]) -> dt.datetime | None:
    """The next instant at which a checkpoint may fire (None: nothing pending): just
    after the earliest pending instant, since checkpoints fire strictly after it."""
    if request.status in {Status.CLOSED, Status.CANCELLED, Status.MERGED}:
        return None
    times: list[dt.datetime] = []
    for clock, st in states.items():
        if not st.running:
            continue
        if st.warn_at and f"warn:{clock}" not in fired:
            times.append(st.warn_at)
        if st.due_at and f"breach:{clock}" not in fired:
            times.append(st.due_at)
    for level, at in _escalations(request, states, fired):
        if f"escalate:{level}" not in fired:
            times.append(at)
            break
    return min(times) + CHECK_AFTER if times else None
