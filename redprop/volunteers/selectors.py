"""Reads of 志愿服务 (no writes), scope first: the activities a user may see, a
volunteer's record, the hours by person (read by the party app) and counts by community."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core.errors import NotFound
from redprop.core.scope import ScopeSet
from redprop.volunteers import permissions
from redprop.volunteers.choices import (
    PUBLIC_STATES,
    ActivityStatus,
    HoursStatus,
    SignupStatus,
    TeamKind,
)
from redprop.volunteers.models import (
    Activity,
    ActivityEvent,
    HoursRecord,
    Signup,
    Team,
    Volunteer,
    volunteer_communities_q,
)

ZERO = Decimal("0.00")


def _resident_person(user: Any) -> int | None:
    if not (user and user.is_authenticated and user.is_active):
        return None
    if not user.has_role(Role.RESIDENT):
        return None
    return getattr(user, "person_id", None)


def activities_for(*, user: Any, include_drafts: bool = True) -> QuerySet[Activity]:
    """The activities ``user`` may open: staff over their territory (drafts included),
    the organiser and team leader their own, a resident the announced ones of the
    communities where they live or volunteer."""
    if not (user and user.is_authenticated and user.is_active):
        return Activity.objects.none()
    q = Q(pk__in=[])
    staff = user.scope_set(*permissions.STAFF_ROLES)
    if staff:
        q |= staff.q_for(Activity)  # EVERYTHING for the system administrator
    q |= Q(organiser_id=user.pk) | Q(team__leader_id=user.pk)
    person_id = _resident_person(user)
    if person_id is not None:
        q |= Q(status__in=PUBLIC_STATES) & volunteer_communities_q(person_id)
    return _activities(Activity.objects.filter(q), include_drafts)


def _activities(qs: QuerySet[Activity], include_drafts: bool) -> QuerySet[Activity]:
    qs = qs.select_related("team", "community")
    if not include_drafts:
        qs = qs.filter(status__in=PUBLIC_STATES)
    return qs.order_by("-starts_at", "-id")


def activity_get(*, user: Any, activity_id: int) -> Activity:
    a = activities_for(user=user).filter(pk=activity_id).first()
    if a is None or not permissions.can_view(user, a):
        raise NotFound()
    return a


def teams_for(*, user: Any) -> QuerySet[Team]:
    """The teams whose activities the user may announce."""
    if not (user and user.is_authenticated and user.is_active):
        return Team.objects.none()
    q = user.scope_set(*permissions.ORGANISER_ROLES).q_for(Team) | Q(leader_id=user.pk)
    return Team.objects.filter(q).select_related("community").order_by("community_id", "name")


def hours_for(*, user: Any) -> QuerySet[HoursRecord]:
    """Hours records in the user's reach: staff over their territory, a person their own."""
    if not (user and user.is_authenticated and user.is_active):
        return HoursRecord.objects.none()
    q = Q(pk__in=[]) | Q(activity__organiser_id=user.pk) | Q(activity__team__leader_id=user.pk)
    staff = user.scope_set(*permissions.STAFF_ROLES)
    if staff:
        q |= staff.q_for(HoursRecord)  # EVERYTHING for the system administrator
    person_id = _resident_person(user)
    if person_id is not None:
        q |= Q(person_id=person_id)
    return HoursRecord.objects.filter(q)


def hours_by_person(person_id: int, start: dt.date, end: dt.date) -> Decimal:
    """The approved volunteer hours of ``person_id`` served from ``start`` to ``end``
    (inclusive dates). Unscoped on purpose: the caller (the party app's record of a
    member's service) has already decided the reader may see this person."""
    total = HoursRecord.objects.filter(
        person_id=person_id,
        status=HoursStatus.APPROVED,
        served_on__gte=start,
        served_on__lte=end,
    ).aggregate(total=Sum("hours"))["total"]
    return (total or ZERO).quantize(Decimal("0.01"))


def hours_for_party_record(
    *, person_id: int, since: dt.date | None, until: dt.date | None
) -> Decimal:
    """The party app's source of a member's approved volunteer hours (三岗联创 record,
    ``party.records``; registered in ``VolunteersConfig.ready``). Open bounds are open:
    no ``since`` counts from the first hour served, no ``until`` to the last."""
    return hours_by_person(person_id, since or dt.date.min, until or dt.date.max)


def roster(*, activity: Activity) -> list[Signup]:
    return list(
        Signup.objects.filter(activity=activity)
        .select_related("volunteer__person", "hours")
        .order_by("status", "id")
    )


def my_signup(*, user: Any, activity: Activity) -> Signup | None:
    vol = permissions.volunteer_of(user, activity.community_id)
    if vol is None:
        return None
    return (
        Signup.objects.filter(activity=activity, volunteer=vol, status=SignupStatus.SIGNED)
        .select_related("activity")
        .first()
    )


def pending_hours(*, activity: Activity) -> list[HoursRecord]:
    return list(
        HoursRecord.objects.filter(activity=activity, status=HoursStatus.PENDING)
        .select_related("volunteer__person", "signup", "activity__team")
        .order_by("id")
    )


def timeline(*, activity: Activity) -> list[ActivityEvent]:
    return list(
        ActivityEvent.objects.filter(activity=activity)
        .select_related("actor")
        .order_by("at", "id")[:300]
    )


@dataclass
class Record:
    """A volunteer's own record: where they are registered, what they served."""

    person: Any
    volunteers: list[Volunteer] = field(default_factory=list)
    hours: list[HoursRecord] = field(default_factory=list)
    approved: Decimal = ZERO
    pending: Decimal = ZERO
    times: int = 0  # approved person-times


def record_for(*, person_id: int) -> Record:
    from redprop.people.models import Person

    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    rec = Record(person=person)
    rec.volunteers = list(
        Volunteer.objects.filter(person_id=person_id)
        .select_related("community")
        .prefetch_related("skills", "teams")
    )
    rec.hours = list(
        HoursRecord.objects.filter(person_id=person_id)
        .select_related("activity__team")
        .order_by("-served_on", "-id")[:500]
    )
    for h in rec.hours:
        if h.status == HoursStatus.APPROVED:
            rec.approved += h.hours
            rec.times += 1
        elif h.status == HoursStatus.PENDING:
            rec.pending += h.hours
    return rec


def my_record(*, user: Any) -> Record | None:
    person_id = getattr(user, "person_id", None)
    return None if person_id is None else record_for(person_id=person_id)


@dataclass
class CommunityCount:
    community_id: int
    community: str
    volunteers: int
    by_team: dict[str, int]
    activities: int
    person_times: int
    approved_hours: Decimal


def counts_by_community(*, user: Any) -> list[CommunityCount]:
    """Volunteers, team members by kind, activities announced, person-times served and
    hours approved, per community of the user's territory (aggregates only: no names)."""
    scope = user.scope_set(*permissions.STAFF_ROLES)
    if not scope:
        return []
    return [
        CommunityCount(
            community_id=r.id,
            community=r.name,
            volunteers=r.volunteers,
            by_team=r.by_team,
            activities=r.activities,
            person_times=r.person_times,
            approved_hours=r.approved_hours,
        )
        for r in counts_by(scope=scope, level="community")
    ]


@dataclass
class RegionCount:
    id: int
    name: str
    volunteers: int = 0
    by_team: dict[str, int] = field(default_factory=dict)
    activities: int = 0
    person_times: int = 0
    approved_hours: Decimal = ZERO
    code: str = ""  # the region's code: places in the territory's order


# An activity of the month counts as held once it has started and was not cancelled
# (an organiser may never press 开始; its check-ins still happened).
HELD_STATES = frozenset({ActivityStatus.PUBLISHED, ActivityStatus.ONGOING, ActivityStatus.FINISHED})


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return month.replace(day=1), following


def counts_by(
    *,
    scope: ScopeSet,
    level: str = "community",
    month: dt.date | None = None,
    teams: bool = True,
) -> list[RegionCount]:
    """Volunteer figures by street or community (``level``) of ``scope``, four grouped
    queries whatever the number of places (three without ``teams``), aggregates only:

    * volunteers — active volunteers (with ``month``: who had joined by its end);
    * by_team — active members of each kind of team (all zero without ``teams``);
    * activities — without ``month``, the announced ones (not drafts); with it, those
      held that month: started in it (and by now), not cancelled;
    * person_times / approved_hours — approved hours records (with ``month``: served in
      it), their number and their sum.
    """
    column, name, code = f"{level}_id", f"{level}__name", f"{level}__code"
    vols = Volunteer.objects.filter(active=True)
    acts = Activity.objects.filter(status__in=PUBLIC_STATES)
    hours = HoursRecord.objects.filter(status=HoursStatus.APPROVED)
    if month is not None:
        first, following = _month_bounds(month)
        start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
        end = min(timezone.make_aware(dt.datetime.combine(following, dt.time.min)), timezone.now())
        vols = vols.filter(joined_on__lt=following)
        acts = Activity.objects.filter(
            status__in=HELD_STATES, starts_at__gte=start, starts_at__lt=end
        )
        hours = hours.filter(served_on__gte=first, served_on__lt=following)
    out: dict[int, RegionCount] = {}

    def at(row: dict[str, Any]) -> RegionCount:
        key = row[column]
        if key not in out:
            out[key] = RegionCount(id=key, name=row[name] or "", code=row[code] or "")
        return out[key]

    def grouped(qs: QuerySet[Any], *fields: str) -> QuerySet[Any]:
        return (
            scope.filter(qs)
            .exclude(**{f"{column}__isnull": True})
            .values(column, name, code, *fields)
            .order_by()
        )

    for r in grouped(vols).annotate(n=Count("id")):
        at(r).volunteers = r["n"]
    if teams:
        for r in grouped(Team.objects.all(), "kind").annotate(
            n=Count("members", filter=Q(members__active=True), distinct=True)
        ):
            at(r).by_team[r["kind"]] = r["n"]
    for r in grouped(acts).annotate(n=Count("id")):
        at(r).activities = r["n"]
    for r in grouped(hours).annotate(n=Count("id"), h=Coalesce(Sum("hours"), ZERO)):
        row = at(r)
        row.person_times = r["n"]
        row.approved_hours = Decimal(r["h"]).quantize(Decimal("0.01"))
    for row in out.values():
        row.by_team = {k.value: row.by_team.get(k.value, 0) for k in TeamKind}
    return sorted(out.values(), key=lambda r: (r.code, r.id))
