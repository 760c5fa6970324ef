"""Pure planning (no database): which compounds, buildings, units and grids to build.

Kept apart from the writes so the plan can be checked and sized quickly, and so
that every random draw happens in one fixed order.

Scale: named compounds (the ones from the articles) always exist; filler
compounds scale linearly (``round(count * scale)``). Below scale 1 buildings also
get fewer and lower (each by ``sqrt(scale)``), so units still scale about
linearly and every kind of compound is still present at ``--scale 0.02``. Above
scale 1 the named compounds grow by more buildings instead (they cannot be
cloned), so units again scale about linearly.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from redprop.demo.seed import catalog as cat
from redprop.territory.choices import CompoundKind

CN_NUMERALS = "一二三四五六七八九十"


@dataclass
class UnitPlan:
    label: str
    floor: int
    floor_area: Decimal
    exclusive_area: Decimal


@dataclass
class BuildingPlan:
    name: str
    floors: int
    units: list[UnitPlan] = field(default_factory=list)


@dataclass
class CompoundPlan:
    spec: cat.CompoundSpec
    name: str
    built_year: int
    address: str
    buildings: list[BuildingPlan] = field(default_factory=list)

    @property
    def unit_count(self) -> int:
        return sum(len(b.units) for b in self.buildings)


@dataclass
class CommunityPlan:
    spec: cat.CommunitySpec
    compounds: list[CompoundPlan]
    # Grids partition the community's buildings: each grid is a list of
    # (compound index, building index), contiguous in plan order.
    grids: list[list[tuple[int, int]]] = field(default_factory=list)

    @property
    def unit_count(self) -> int:
        return sum(c.unit_count for c in self.compounds)


class Planner:
    def __init__(self, rng: random.Random, scale: float) -> None:
        self.rng = rng
        self.scale = scale
        self.shrink = math.sqrt(scale) if scale < 1 else 1.0

    def _scaled(self, n: int) -> int:
        """Below scale 1: fewer buildings, floors and houses. Above: unchanged."""
        return n if self.scale >= 1 else max(1, round(n * self.shrink))

    def _building_count(self, n: int, spec: cat.CompoundSpec) -> int:
        if self.scale > 1 and spec.name:
            return round(n * self.scale)
        return self._scaled(n)

    def _between(self, r: cat.Range) -> int:
        return self.rng.randint(r[0], r[1])

    # --- names ---------------------------------------------------------------------------
    def _filler_name(self, city: cat.CitySpec, spec: cat.CompoundSpec, taken: set[str]) -> str:
        rng = self.rng
        for attempt in range(40):
            if spec.kind == CompoundKind.COMMODITY:
                name = rng.choice(cat.COMMODITY_WORDS) + rng.choice(cat.COMMODITY_SUFFIXES)
            elif spec.kind == CompoundKind.RESETTLEMENT:
                name = rng.choice(cat.RESETTLEMENT_PLACES) + "还建小区"
            elif spec.kind == CompoundKind.VILLAGE:
                name = rng.choice(cat.VILLAGE_SURNAMES) + "家" + rng.choice(cat.VILLAGE_SUFFIXES)
            elif spec.kind == CompoundKind.DORMITORY:
                name = rng.choice(cat.DORMITORY_UNITS) + "家属院"
            else:
                name = rng.choice(cat.OLD_WORDS + city.old_words) + "小区"
            if attempt >= 20:  # word lists exhausted at large scales: phase two, three...
                name += f"{CN_NUMERALS[attempt % 10]}期"
            if name not in taken:
                taken.add(name)
                return name
        raise RuntimeError("no free compound name")  # pragma: no cover

    # --- compounds -----------------------------------------------------------------------
    def compound(
        self, city: cat.CitySpec, spec: cat.CompoundSpec, name: str, taken: set[str]
    ) -> CompoundPlan:
        rng = self.rng
        taken.add(name)
        built = self._between(spec.built)
        address = f"{city.name}{city.district}{rng.choice(city.roads)}{rng.randint(1, 299)}号"
        plan = CompoundPlan(spec=spec, name=name, built_year=built, address=address)
        n_buildings = self._building_count(self._between(spec.buildings), spec)
        house_no = 0
        for b in range(1, n_buildings + 1):
            floors = self._scaled(self._between(spec.floors))
            if spec.houses[1]:
                # 村湾: a 村民小组 of self-built houses, numbered through the village.
                building = BuildingPlan(name=f"{CN_NUMERALS[(b - 1) % 10]}组", floors=floors)
                for _ in range(self._scaled(self._between(spec.houses))):
                    house_no += 1
                    building.units.append(self._unit(spec, f"{name}{house_no}号", 1))
            else:
                building = BuildingPlan(name=f"{b}栋", floors=floors)
                entrances = self._between(spec.entrances)
                for e in range(1, entrances + 1):
                    for f in range(1, floors + 1):
                        for p in range(1, spec.per_floor + 1):
                            label = f"{b}栋{e}单元{f}{p:02d}"
                            building.units.append(self._unit(spec, label, f))
            plan.buildings.append(building)
        return plan

    def _unit(self, spec: cat.CompoundSpec, label: str, floor: int) -> UnitPlan:
        lo, hi = spec.area
        floor_area = Decimal(str(round(self.rng.uniform(lo, hi), 2)))
        # 专有部分面积 is the floor area less the shared parts (公摊), about 15%.
        exclusive = Decimal(str(round(float(floor_area) * self.rng.uniform(0.82, 0.88), 2)))
        return UnitPlan(label, floor, floor_area, min(exclusive, floor_area))

    # --- communities -----------------------------------------------------------------------
    def community(
        self, city: cat.CitySpec, spec: cat.CommunitySpec, taken: set[str]
    ) -> CommunityPlan:
        compounds = [self.compound(city, c, c.name, taken) for c in spec.compounds]
        for fill in spec.fillers:
            for _ in range(round(fill.count * self.scale)):
                compounds.append(
                    self.compound(city, fill.spec, self._filler_name(city, fill.spec, taken), taken)
                )
        plan = CommunityPlan(spec=spec, compounds=compounds)
        plan.grids = self._partition(plan, self._between(spec.grids))
        return plan

    @staticmethod
    def _partition(plan: CommunityPlan, wanted: int) -> list[list[tuple[int, int]]]:
        """Cut the buildings, in order, into ``wanted`` contiguous runs of about equal units."""
        refs = [
            (ci, bi, len(b.units))
            for ci, c in enumerate(plan.compounds)
            for bi, b in enumerate(c.buildings)
        ]
        count = max(1, min(wanted, len(refs)))
        total = sum(n for _, _, n in refs) or 1
        grids: list[list[tuple[int, int]]] = [[] for _ in range(count)]
        done = 0
        for i, (ci, bi, n) in enumerate(refs):
            # Which grid the middle of this building falls in, but leave at least
            # one building for every later grid.
            g = min(int((done + n / 2) * count / total), count - 1)
            g = max(g, count - (len(refs) - i))
            g = min(g, max((j for j, grid in enumerate(grids) if grid), default=-1) + 1)
            grids[g].append((ci, bi))
            done += n
        return grids


def plan_city(city: cat.CitySpec, rng: random.Random, scale: float) -> list[list[CommunityPlan]]:
    """The plan of one city: per street, per community."""
    planner = Planner(rng, scale)
    taken: set[str] = set()
    return [[planner.community(city, c, taken) for c in s.communities] for s in city.streets]
