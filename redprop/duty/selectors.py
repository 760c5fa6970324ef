"""Reads of the duty roster. User-facing lists take the scope first; the one read
the assignment policy makes (``shifts_on_duty``) is keyed by organisation and street
and is a single indexed query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from redprop.accounts.models import User
from redprop.core import refdata
from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.duty import recurrence
from redprop.duty.choices import Duty
from redprop.duty.models import HandOver, Rota, Shift
from redprop.orgs.models import Org

# Reference-data namespace of the shifts in force (cleared by DutyConfig.ready's watch).
REFDATA_SHIFTS = "duty.shifts"


def _staff_q(org_ids: list[int], today: dt.date) -> Q:
    """A user is an organisation's staff through a current membership of their person
    (OrgMembership, e.g. a maintenance worker 维修人员) or an active role anchored to
    the organisation (COMPANY_STAFF)."""
    return Q(roles__org_id__in=org_ids, roles__revoked_at__isnull=True) | (
        Q(person__org_memberships__org_id__in=org_ids)
        & (
            Q(person__org_memberships__ended_on__isnull=True)
            | Q(person__org_memberships__ended_on__gte=today)
        )
    )


def _in_force_q(day: dt.date) -> Q:
    """In force on ``day``, or on the day before (a night shift runs into ``day``)."""
    return Q(effective_from__lte=day) & (
        Q(effective_to__isnull=True) | Q(effective_to__gte=day - dt.timedelta(days=1))
    )


def is_staff_of(user: User, org: Org) -> bool:
    """Is ``user`` on ``org``'s staff today? One query."""
    return (
        User.objects.filter(pk=user.pk, is_active=True)
        .filter(_staff_q([org.pk], timezone.localdate()))
        .exists()
    )


def staff_of(*, org_ids: list[int]) -> QuerySet[User]:
    """The active users on the staff of any of ``org_ids`` (for the roster's forms)."""
    return (
        User.objects.filter(is_active=True)
        .filter(_staff_q(org_ids, timezone.localdate()))
        .distinct()
        .order_by("display_name", "id")
    )


def shift_list(
    *,
    scope: Scope | ScopeSet,
    org_id: int | None = None,
    user_id: int | None = None,
    duty: str | None = None,
    in_force_on: dt.date | None = None,
) -> QuerySet[Shift]:
    """Shifts inside ``scope``, optionally of one org, person or duty, or in force on a
    date (the night shift that started the day before counts too)."""
    qs = scoped(Shift.objects.all(), scope).select_related(
        "org", "user", "grid", "community", "street", "rota"
    )
    if org_id is not None:
        qs = qs.filter(org_id=org_id)
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if duty is not None:
        qs = qs.filter(duty=duty)
    if in_force_on is not None:
        qs = qs.filter(_in_force_q(in_force_on))
    return qs.order_by("org_id", "starts_at", "id")


@dataclass(frozen=True)
class RosterEntry:
    """One occurrence of a shift on a day's roster."""

    shift: Shift
    day: dt.date
    start: dt.datetime
    end: dt.datetime

    @property
    def from_yesterday(self) -> bool:
        return self.start.date() < self.day

    @property
    def into_tomorrow(self) -> bool:
        return self.end.date() > self.day

    def running_at(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


def roster_day(*, scope: Scope | ScopeSet, org_id: int | None, day: dt.date) -> list[RosterEntry]:
    """Who is on duty for some part of ``day`` (local), in order of start: the shifts
    starting that day and last night's that run into the morning."""
    entries = []
    for shift in shift_list(scope=scope, org_id=org_id, in_force_on=day):
        for start, end in recurrence.covering_day(shift, day):
            entries.append(RosterEntry(shift, day, start, end))
    entries.sort(key=lambda e: (e.start, e.shift.org_id, e.shift.place_level, e.shift.pk))
    return entries


def orgs_on_roster(*, scope: Scope | ScopeSet) -> QuerySet[Org]:
    """The organisations with shifts inside ``scope`` (for the day view's picker)."""
    ids = shift_list(scope=scope).values("org_id")
    return Org.objects.filter(pk__in=ids).order_by("name")


@dataclass(frozen=True, slots=True)
class OnDuty:
    """A shift as the assignment policy reads it: who, where, and its recurrence."""

    id: int
    user_id: int
    kind: str
    grid_id: int | None
    community_id: int | None
    weekdays: int
    day_rule: str
    every_weeks: int
    starts_at: dt.time
    ends_at: dt.time
    effective_from: dt.date
    effective_to: dt.date | None


_ON_DUTY_FIELDS = tuple(OnDuty.__dataclass_fields__)


def shifts_on_duty(
    *, org_id: int, street_id: int | None, at: dt.datetime, duty: str = Duty.MAINTENANCE
) -> list[OnDuty]:
    """The shifts of ``org_id`` in the street that are running at ``at``: the shifts in
    force that day (reference data, ``core.refdata``: read once per process and TTL,
    cleared when a shift is saved or deleted), then the recurrence in Python. Empty
    when the organisation keeps no roster there (the roster is opt-in).

    This is on the intake's path for every company, with or without a roster, so it
    costs no query once the day's shifts are loaded
    (docs/adr/0005-duty-roster-and-assignment.md)."""
    if street_id is None:
        return []
    day = at.astimezone(recurrence.SHANGHAI).date()
    shifts = refdata.get(
        REFDATA_SHIFTS,
        (org_id, street_id, str(duty), day),
        lambda: _shifts_in_force(org_id=org_id, street_id=street_id, duty=duty, day=day),
    )
    return [s for s in shifts if recurrence.on_duty(s, at)]


def _shifts_in_force(*, org_id: int, street_id: int, duty: str, day: dt.date) -> tuple[OnDuty, ...]:
    """The organisation's shifts of ``duty`` in the street in force on ``day``. One query
    on the ``shift_in_force`` index."""
    rows = (
        Shift.objects.filter(_in_force_q(day), org_id=org_id, street_id=street_id, duty=duty)
        .order_by("id")
        .values_list(*_ON_DUTY_FIELDS)
    )
    return tuple(OnDuty(*row) for row in rows)


# --- 轮值坐班: the office rota, my shifts, who is on duty --------------------------------

MAX_RANGE_DAYS = 62


def _community_id(place: object) -> int | None:
    """The community of a property office given as a community, a compound, a grid, a
    building or anything with scope columns."""
    level = getattr(place, "level", None)
    if level is not None:
        return int(place.pk) if level == "community" else None  # type: ignore[attr-defined]
    value = getattr(place, "community_id", None)
    return int(value) if value is not None else None


def my_shifts(user: User, start: dt.date, end: dt.date) -> list[RosterEntry]:
    """Every occurrence of ``user``'s shifts (any duty) that starts on ``start`` …
    ``end`` (local dates, inclusive), in order: the 我的排班 page and API. One query."""
    shifts = (
        Shift.objects.filter(user=user, effective_from__lte=end)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=start))
        .select_related("org", "grid", "community", "street", "rota")
    )
    entries = [
        RosterEntry(shift, s.date(), s, e)
        for shift in shifts
        for s, e in recurrence.occurrences(shift, start, end)
    ]
    entries.sort(key=lambda e: (e.start, e.shift.pk))
    return entries


def office_shifts(*, community_id: int, day: dt.date) -> list[Shift]:
    """The office shifts (轮值坐班) placed in the community in force on ``day`` or the
    day before. One query on the scope column."""
    return list(
        Shift.objects.filter(_in_force_q(day), community_id=community_id, duty=Duty.OFFICE)
        .select_related("org", "user", "community", "rota")
        .order_by("starts_at", "id")
    )


def office_day(place: object, day: dt.date) -> list[RosterEntry]:
    """Who sits in the office of ``place`` for some part of ``day``, in order of start."""
    community_id = _community_id(place)
    if community_id is None:
        return []
    return office_day_by_id(community_id, day)


def office_today(place: object) -> list[RosterEntry]:
    """今日值班: the office's roster for today (Asia/Shanghai)."""
    return office_day(place, timezone.localdate())


def on_duty(place: object, at: dt.datetime | None = None) -> list[RosterEntry]:
    """Who sits in the office of ``place`` at the instant ``at`` (default: now)."""
    at = at or timezone.now()
    day = at.astimezone(recurrence.SHANGHAI).date()
    return [e for e in office_day(place, day) if e.running_at(at)]


def next_on_duty(shift: Shift, after: dt.datetime, *, horizon_days: int = 14) -> RosterEntry | None:
    """The first occurrence of another person's office shift in the same community that
    starts at or after ``after`` (the incoming worker of a hand-over), within
    ``horizon_days``. One query."""
    if shift.community_id is None:
        return None
    first = after.astimezone(recurrence.SHANGHAI).date()
    last = first + dt.timedelta(days=horizon_days)
    others = (
        Shift.objects.filter(
            community_id=shift.community_id, duty=shift.duty, effective_from__lte=last
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=first))
        .exclude(user_id=shift.user_id)
        .select_related("user")
    )
    best: RosterEntry | None = None
    for other in others:
        for s, e in recurrence.occurrences(other, first, last):
            if s >= after:
                if best is None or (s, other.pk) < (best.start, best.shift.pk):
                    best = RosterEntry(other, s.date(), s, e)
                break
    return best


def rota_list(*, scope: Scope | ScopeSet) -> QuerySet[Rota]:
    """Rotas inside ``scope`` (the roster API)."""
    return (
        scoped(Rota.objects.all(), scope)
        .select_related("org", "community")
        .order_by("community_id", "starts_at", "id")
    )


def handover_list(*, user: User, scope: Scope | ScopeSet) -> QuerySet[HandOver]:
    """Hand-overs the user wrote or must acknowledge, and those inside their staff
    scope (the office's community staff, the company's desk), newest first."""
    mine = Q(from_user=user) | Q(to_user=user)
    in_scope = scoped(HandOver.objects.all(), scope).values("pk")
    return (
        HandOver.objects.filter(mine | Q(pk__in=in_scope))
        .select_related("from_user", "to_user", "shift", "shift__org", "community")
        .order_by("-created_at", "-id")
    )


def handover_get(*, user: User, scope: Scope | ScopeSet, pk: int) -> HandOver | None:
    return handover_list(user=user, scope=scope).filter(pk=pk).first()


def resident_communities(*, user: User) -> list[int]:
    """The communities of the homes a resident lives in or owns (their 今日值班)."""
    from redprop.accounts.choices import Role
    from redprop.territory import selectors as territory_selectors

    if not user.has_role(Role.RESIDENT):
        return []
    rows = (
        territory_selectors.unit_list(scope=user.scope_set(Role.RESIDENT))
        .exclude(compound__community_id=None)
        .values_list("compound__community_id", flat=True)
        .distinct()
    )
    return sorted({int(r) for r in rows if r is not None})


def duty_today_for_resident(*, user: User) -> list[tuple[int, list[RosterEntry]]]:
    """今日值班 for each community the resident lives in: (community id, entries)."""
    return [
        (cid, office_day_by_id(cid, timezone.localdate()))
        for cid in resident_communities(user=user)
    ]


def office_day_by_id(community_id: int, day: dt.date) -> list[RosterEntry]:
    entries = [
        RosterEntry(shift, day, s, e)
        for shift in office_shifts(community_id=community_id, day=day)
        for s, e in recurrence.covering_day(shift, day)
    ]
    entries.sort(key=lambda e: (e.start, e.shift.pk))
    return entries


def office_on_duty_in_scope(
    *, scope: Scope | ScopeSet, at: dt.datetime | None = None, limit: int = 20
) -> list[RosterEntry]:
    """Who sits in a property office inside ``scope`` right now (the dispatcher's
    console: 坐班值守). One query."""
    at = at or timezone.now()
    day = at.astimezone(recurrence.SHANGHAI).date()
    out = []
    for shift in shift_list(scope=scope, duty=Duty.OFFICE, in_force_on=day).select_related("rota"):
        for start, end in recurrence.covering_day(shift, day):
            if start <= at < end:
                out.append(RosterEntry(shift, day, start, end))
    out.sort(key=lambda e: (e.shift.community_id or 0, e.start, e.shift.pk))
    return out[:limit]
