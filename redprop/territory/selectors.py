"""Reads of the territory tree. Scope first, always."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.territory.models import Building, Compound, Grid, Region, Unit


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
