"""Reads of 志愿服务 (no writes), scope first: the activities a user may see, a
volunteer's record, the hours by person (read by the party app) and counts by community."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from redprop.accounts.choices import Role
from redprop.core.errors import NotFound
from redprop.volunteers import permissions
from redprop.volunteers.choices import PUBLIC_STATES, HoursStatus, SignupStatus, TeamKind
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
    """Volunteers, team members by kind, activities held, person-times served and hours
    approved, per community of the user's territory (aggregates only: no names)."""
    scope = user.scope_set(*permissions.STAFF_ROLES)
    if not scope:
        return []
    vols = scope.filter(Volunteer.objects.filter(active=True))
    base = {
        r["community_id"]: r
        for r in vols.values("community_id", "community__name").annotate(n=Count("id"))
    }
    by_team: dict[int, dict[str, int]] = {}
    for r in (
        scope.filter(Team.objects.all())
        .values("community_id", "kind")
        .annotate(n=Count("members", filter=Q(members__active=True), distinct=True))
    ):
        by_team.setdefault(r["community_id"], {})[r["kind"]] = r["n"]
    acts = {
        r["community_id"]: r["n"]
        for r in scope.filter(Activity.objects.filter(status__in=PUBLIC_STATES))
        .values("community_id")
        .annotate(n=Count("id"))
    }
    hours = {
        r["community_id"]: r
        for r in scope.filter(HoursRecord.objects.filter(status=HoursStatus.APPROVED))
        .values("community_id")
        .annotate(n=Count("id"), h=Coalesce(Sum("hours"), ZERO))
    }
    out = []
    for cid, r in sorted(base.items(), key=lambda kv: kv[1]["community__name"] or ""):
        h = hours.get(cid, {})
        out.append(
            CommunityCount(
                community_id=cid,
                community=r["community__name"] or "",
                volunteers=r["n"],
                by_team={k.value: by_team.get(cid, {}).get(k.value, 0) for k in TeamKind},
                activities=acts.get(cid, 0),
                person_times=h.get("n", 0),
                approved_hours=Decimal(h.get("h", ZERO)).quantize(Decimal("0.01")),
            )
        )
    return out
