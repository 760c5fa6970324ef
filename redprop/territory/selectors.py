"""Reads of the territory tree. Scope first, always."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from redprop.core.rows import Prepared
from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.territory.models import Building, Compound, Grid, Occupancy, Ownership, Region, Unit


def region_list(*, scope: Scope | ScopeSet, level: str | None = None) -> QuerySet[Region]:
    qs = scoped(Region.objects.all(), scope)
    return qs.filter(level=level) if level else qs


def grid_list(*, scope: Scope | ScopeSet) -> QuerySet[Grid]:
    return scoped(Grid.objects.select_related("butler", "maintenance_worker"), scope)


def compound_list(*, scope: Scope | ScopeSet) -> QuerySet[Compound]:
    return scoped(
        Compound.objects.select_related("company", "community").annotate(
            unit_count=Count("units", distinct=True)
        ),
        scope,
    ).order_by("community_id", "name")


def building_list(*, scope: Scope | ScopeSet, compound_id: int | None = None) -> QuerySet[Building]:
    qs = scoped(Building.objects.select_related("compound", "grid"), scope)
    return qs.filter(compound_id=compound_id) if compound_id else qs


def unit_list(*, scope: Scope | ScopeSet, building_id: int | None = None) -> QuerySet[Unit]:
    qs = scoped(Unit.objects.select_related("building", "compound"), scope)
    return qs.filter(building_id=building_id) if building_id else qs


def unit_get(*, scope: Scope | ScopeSet, unit_id: int) -> Unit | None:
    return unit_list(scope=scope).filter(pk=unit_id).first()


# --- lookups for writes that check permission themselves -----------------------------
# Filing a request names a place by id; ``requests.services.request_file`` decides
# whether the user may file there (``permissions.can_file_at``). These read the
# place unscoped, with what filing needs (the compound's company for routing, the
# grid's maintenance worker for assignment), compiled once per process.

_unit_for_filing = Prepared(
    lambda pk: Unit.objects.select_related(
        "building", "compound__company", "grid__maintenance_worker"
    ).filter(pk=pk)[:1],
    pk=int,
)
_building_for_filing = Prepared(
    lambda pk: Building.objects.select_related(
        "compound__company", "grid__maintenance_worker"
    ).filter(pk=pk)[:1],
    pk=int,
)
_compound_for_filing = Prepared(
    lambda pk: Compound.objects.select_related("company").filter(pk=pk)[:1], pk=int
)
_home_in_compound = Prepared(
    lambda person_id, compound_id: (
        Unit.objects.filter(compound_id=compound_id)
        .filter(
            Q(pk__in=Occupancy.objects.filter(person_id=person_id).values("unit_id"))
            | Q(pk__in=Ownership.objects.filter(person_id=person_id).values("unit_id"))
        )
        .only("id")[:1]
    ),
    person_id=int,
    compound_id=int,
)


def unit_for_filing(*, unit_id: int) -> Unit | None:
    return _unit_for_filing.first(pk=unit_id)


def building_for_filing(*, building_id: int) -> Building | None:
    return _building_for_filing.first(pk=building_id)


def compound_for_filing(*, compound_id: int) -> Compound | None:
    return _compound_for_filing.first(pk=compound_id)


def lives_in_compound(*, person_id: int, compound_id: int) -> bool:
    """Whether the person occupies or owns a unit of the compound (``Unit.resident_scope_q``)."""
    return _home_in_compound.first(person_id=person_id, compound_id=compound_id) is not None
