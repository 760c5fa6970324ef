"""Reads of notices. Scope first; nothing here writes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from redprop.core.scope import ScopeSet
from redprop.notices.choices import UNIT_COLUMN, NoticeStatus, TargetLevel
from redprop.notices.models import Notice, NoticeRead
from redprop.territory.models import Building, Compound, Grid, Occupancy, Ownership, Region, Unit


def target_node(*, level: str, target_id: int) -> Any:
    """The Region, Compound, Grid or Building a level and id name (None: no such place)."""
    if level in (TargetLevel.STREET, TargetLevel.COMMUNITY):
        return Region.objects.filter(pk=target_id, level=level).first()
    if level == TargetLevel.COMPOUND:
        return Compound.objects.filter(pk=target_id).first()
    if level == TargetLevel.GRID:
        return Grid.objects.filter(pk=target_id).first()
    if level == TargetLevel.BUILDING:
        return Building.objects.select_related("compound").filter(pk=target_id).first()
    return None


def target_units(notice: Notice) -> QuerySet[Unit]:
    """The units of a notice's target: one equality on one indexed column."""
    return Unit.objects.filter(**{UNIT_COLUMN[TargetLevel(notice.target_level)]: notice.target_id})


def target_person_ids(notice: Notice) -> QuerySet[Any]:
    """The people of the target (occupants and owners), as a subquery."""
    units = target_units(notice).values("pk")
    from redprop.people.models import Person

    return Person.objects.filter(
        Q(pk__in=Occupancy.objects.filter(unit__in=units).values("person_id"))
        | Q(
            pk__in=Ownership.objects.filter(unit__in=units, person__isnull=False).values(
                "person_id"
            )
        )
    ).values("pk")


def audience_count(notice: Notice) -> int:
    """The people of the target: one COUNT over a UNION of occupants and owners (a
    hash aggregate; the OR of two IN-subqueries over the person table was ~10× slower
    for a street of 100,000)."""
    units = target_units(notice).values("pk")
    occupants = Occupancy.objects.filter(unit__in=units).values_list("person_id")
    owners = Ownership.objects.filter(unit__in=units, person__isnull=False).values_list("person_id")
    return occupants.union(owners).count()


def live_q(now: dt.datetime) -> Q:
    return Q(status=NoticeStatus.PUBLISHED, publish_at__lte=now) & (
        Q(expire_at__isnull=True) | Q(expire_at__gt=now)
    )


def home_places(*, person_id: int) -> dict[str, set[int]]:
    """Level → the ids of the places the person's homes are in."""
    rows = Unit.objects.filter(
        Q(pk__in=Occupancy.objects.filter(person_id=person_id).values("unit_id"))
        | Q(pk__in=Ownership.objects.filter(person_id=person_id).values("unit_id"))
    ).values_list(*UNIT_COLUMN.values())
    places: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        for level, value in zip(UNIT_COLUMN, row, strict=True):
            if value:
                places[level].add(value)
    return places


def notices_for_resident(*, user: Any, now: dt.datetime | None = None) -> QuerySet[Notice]:
    """The live notices of the places the user lives in, pinned first, each with
    ``is_read``. A user without a person, or without a home, gets none."""
    now = now or timezone.now()
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return Notice.objects.none()
    places = home_places(person_id=person_id)
    where = Q(pk__in=[])
    for level, ids in places.items():
        where |= Q(target_level=level, target_id__in=sorted(ids))
    return (
        Notice.objects.filter(live_q(now))
        .filter(where)
        .annotate(is_read=Exists(NoticeRead.objects.filter(notice=OuterRef("pk"), user=user.pk)))
        .order_by("-pinned", "-publish_at", "-id")
    )


def unread_count_for_resident(*, user: Any) -> int:
    return notices_for_resident(user=user).filter(is_read=False).count()  # type: ignore[misc]


def notice_list(*, scope: ScopeSet, status: str | None = None) -> QuerySet[Notice]:
    """The staff's list: the notices whose place is in their scope."""
    qs = scope.filter(Notice.objects.select_related("author"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-pinned", "-created_at", "-id")


@dataclass(frozen=True)
class BuildingReach:
    building_id: int
    building: str
    grid_id: int | None
    people: int
    read: int

    @property
    def unread(self) -> int:
        return self.people - self.read


def notice_reach(*, notice: Notice, scope: ScopeSet | None = None) -> list[BuildingReach]:
    """Per building of the target: its people, how many read, how many did not — the
    grid worker's door-to-door list. Three queries, set-based whatever the size;
    ``scope`` limits the buildings (a grid's butler sees their own grid's)."""
    units = target_units(notice)
    if scope is not None:
        units = scope.filter(units)
    unit_ids = units.values("pk")
    pairs = (
        Occupancy.objects.filter(unit__in=unit_ids)
        .values_list("unit__building_id", "person_id")
        .union(
            Ownership.objects.filter(unit__in=unit_ids, person__isnull=False).values_list(
                "unit__building_id", "person_id"
            )
        )
    )
    readers = set(
        NoticeRead.objects.filter(notice=notice, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    people: dict[int, set[int]] = defaultdict(set)
    for building_id, person_id in pairs:
        people[building_id].add(person_id)
    buildings = {
        b.pk: b for b in Building.objects.filter(pk__in=list(people)).select_related("compound")
    }
    rows = [
        BuildingReach(
            building_id=bid,
            building=str(buildings[bid]),
            grid_id=buildings[bid].grid_id,
            people=len(persons),
            read=len(persons & readers),
        )
        for bid, persons in people.items()
    ]
    rows.sort(key=lambda r: (-r.unread, r.building))
    return rows


def read_count(notice: Notice) -> int:
    return NoticeRead.objects.filter(notice=notice).count()


def reach_by(
    *, scope: ScopeSet, level: str, since: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Dashboards: per community or street (``level``), the notices published, their
    audience (people at publish) and the read receipts."""
    column = f"{level}_id"
    qs = scope.filter(Notice.objects.exclude(status=NoticeStatus.DRAFT))
    if since is not None:
        qs = qs.filter(publish_at__gte=since)
    rows = (
        qs.exclude(**{f"{column}__isnull": True})
        .values(column, f"{level}__name")
        .annotate(
            notices=Count("pk", distinct=True),
            audience=Sum("audience_size"),
        )
        .order_by(column)
    )
    reads = dict(
        NoticeRead.objects.filter(notice__in=qs)
        .values_list(f"notice__{column}")
        .annotate(n=Count("pk"))
        .values_list(f"notice__{column}", "n")
    )
    out = []
    for row in rows:
        audience = row["audience"] or 0
        read = reads.get(row[column], 0)
        out.append(
            {
                "id": row[column],
                "name": row[f"{level}__name"],
                "notices": row["notices"],
                "audience": audience,
                "read": read,
                "rate": round(100 * read / audience, 1) if audience else None,
            }
        )
    return out
