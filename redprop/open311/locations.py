"""Where an Open311 request is: a point, an address string or one of our units, mapped
to a compound (and, where the text says so, a building and a unit) inside the client
key's region. Coordinates are WGS-84, as GeoReport v2 and GPS give them; a client that
sends GCJ-02 (what Chinese map apps show) says so with ``coord_system=gcj02`` and the
point is converted with ``prcoords`` (docs/api/open311.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import prcoords
from django.conf import settings

from redprop.territory.models import Building, Compound, Region, Unit

EARTH_RADIUS_M = 6_371_008.8


def max_distance_m() -> float:
    """How far a point may be from a compound's recorded point and still be mapped to
    it (there are no compound outlines yet, so "contains" is "within this radius")."""
    return float(getattr(settings, "OPEN311_MAX_DISTANCE_M", 500))


@dataclass(frozen=True)
class Place:
    compound: Compound
    building: Building | None = None
    unit: Unit | None = None
    distance_m: float | None = None


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def to_wgs84(lat: float, lng: float, coord_system: str) -> tuple[float, float]:
    """WGS-84 from WGS-84 (unchanged) or GCJ-02 (the exact inverse by iteration)."""
    if coord_system == "gcj02":
        c = prcoords.gcj_wgs_bored((lat, lng))
        return c.lat, c.lon
    return lat, lng


def _in_region(qs: Any, region: Region) -> Any:
    return qs.filter(**{f"{region.level}_id": region.pk})


def nearest_compound(*, lat: float, lng: float, region: Region) -> Place | None:
    """The compound of ``region`` whose point is nearest, if within ``max_distance_m``."""
    best: tuple[float, int] | None = None
    rows = _in_region(Compound.objects.exclude(lat=None).exclude(lng=None), region)
    for pk, clat, clng in rows.values_list("pk", "lat", "lng"):
        d = haversine_m(lat, lng, float(clat), float(clng))
        if best is None or d < best[0]:
            best = (d, pk)
    if best is None or best[0] > max_distance_m():
        return None
    return Place(compound=Compound.objects.get(pk=best[1]), distance_m=round(best[0], 1))


def match_address(*, text: str, region: Region) -> Place | None:
    """A compound named in ``text`` (the longest name that appears), then a building of
    it and a unit of that building, when their labels appear after the compound's name."""
    text = "".join(text.split())
    compounds = sorted(
        _in_region(Compound.objects.all(), region).only("pk", "name"),
        key=lambda c: -len(c.name),
    )
    compound = next((c for c in compounds if c.name and c.name in text), None)
    if compound is None:
        return None
    rest = text[text.index(compound.name) + len(compound.name) :]
    building = None
    for b in sorted(compound.buildings.all(), key=lambda b: -len(b.name)):
        if rest.startswith(b.name) or b.name in rest:
            building = b
            break
    unit = None
    if building is not None:
        after = rest[rest.index(building.name) + len(building.name) :]
        for u in sorted(building.units.all(), key=lambda u: -len(u.label)):
            label = u.label.removeprefix(building.name)
            if u.label in rest or (label and after.startswith(label)):
                unit = u
                break
    return Place(compound=Compound.objects.get(pk=compound.pk), building=building, unit=unit)


def unit_by_address_id(*, address_id: str, region: Region) -> Place | None:
    """``address_id`` names one of our units by its id (what the service definition
    and our own API call a unit)."""
    if not address_id.isdigit() or len(address_id) > 18:
        return None
    unit = (
        _in_region(Unit.objects.select_related("building", "compound"), region)
        .filter(pk=int(address_id))
        .first()
    )
    if unit is None:
        return None
    return Place(compound=unit.compound, building=unit.building, unit=unit)


def point_of(compound: Compound) -> tuple[Decimal | None, Decimal | None]:
    return compound.lat, compound.lng
