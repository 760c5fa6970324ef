"""Extension point for demo data: later apps add their own demo records here.

``seed_demo`` first builds the foundation (territory, people, organisations,
demo logins), then imports every installed app's ``demo_seed`` module
(``autodiscover_modules("demo_seed")``) and runs each registered seeder in
``order`` (ties broken by the seeder's dotted name, so the run is deterministic).

A mechanism's demo records live in the demo app (``redprop/demo/seed/requests.py``),
registered from ``redprop/demo/demo_seed.py``, since demo is the top layer and no
app may import it (docs/architecture.md)::

    from redprop.demo.registry import SeedContext, register_seeder

    def seed_requests(ctx: SeedContext) -> None:
        for unit in ctx.rng.sample(ctx.units, min(ctx.k(400), len(ctx.units))):
            ...  # create requests through the app's services

    register_seeder(100, seed_requests)

Seeders must draw randomness only from ``ctx.rng`` / ``ctx.fake`` (never the
global ``random``) and must not iterate over sets, so that the same seed and
scale give the same data. All seeders run inside one transaction, so a failing
seeder leaves no demo data at all. ``run_seed(..., registered=False)`` builds the
foundation alone (the demo app's own tests do that).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

    from redprop.accounts.models import User
    from redprop.orgs.models import Org, PartyOrg
    from redprop.people.models import Person
    from redprop.territory.models import Building, Compound, Grid, Region, Unit


@dataclass
class SeedContext:
    """What a seeder receives: the randomness, the scale, and handles to the demo city.

    Randomness and size
      ``seed``, ``scale``   the command's ``--seed`` and ``--scale``.
      ``rng``               ``random.Random(seed)``; the only source of randomness.
      ``fake``              ``Faker("zh_CN")`` seeded with ``seed`` (names, words).
      ``today``             the reference date; every date is computed from it,
                            so only dates (not names or areas) move with the day.
      ``acting_user``       the actor passed to services (``None``: the system).
      ``k(n)``              ``n`` scaled, never below 1: ``ctx.k(400)`` requests.
      ``log(msg)``          progress output (the command's stdout, or nothing).
      ``progress(f, text)`` how far the current step is (0..1) and what it is doing:
                            ``seed_demo`` draws a progress bar from it.

    Territory (all saved, in creation order)
      ``cities``            ``{"jiayuguan" | "puyang" | "wuhan" | "nanning": Region}``.
      ``districts``         same keys, the one district of each city.
      ``streets``           list of street Regions; ``communities`` likewise.
      ``compounds``, ``buildings``, ``grids``, ``units``: lists of the model rows.
      ``focus``             the Wuhan Jinghe places the demo logins look at:
                            ``{"city", "street", "community", "grid", "unit", "compound"}``.

    People and organisations
      ``residents``         every Person living in or owning a unit.
      ``users``             the demo logins by role value (``"resident"``,
                            ``"grid_butler"``, ``"maintenance_worker"``,
                            ``"company_staff"``, ``"unit_staff"``, ``"community_staff"``,
                            ``"street_officer"``, ``"housing_bureau"``, ``"sysadmin"``).
      ``companies``         property companies (``red_companies`` the red ones).
      ``cobuilding_units``  police, power, water, gas, heating, schools, backing units.
      ``residents_committees`` / ``party_committees``: by community id.
      ``owners_committees`` list of owners' committees.
      ``developers``, ``street_offices``, ``housing_bureaus``: lists of Org.
      ``extra``             free dict for seeders to hand things to later seeders.
    """

    seed: int
    scale: float
    rng: random.Random
    fake: Faker
    today: dt.date
    acting_user: Any = None
    log: Callable[[str], None] = field(default=lambda msg: None)
    # How far the current step is, 0..1, with a short detail ("武汉市 3/12"): the
    # command draws its progress bar from it. Long loops call it now and then.
    progress: Callable[[float, str], None] = field(default=lambda fraction, detail: None)

    cities: dict[str, Region] = field(default_factory=dict)
    districts: dict[str, Region] = field(default_factory=dict)
    streets: list[Region] = field(default_factory=list)
    communities: list[Region] = field(default_factory=list)
    compounds: list[Compound] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    grids: list[Grid] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    focus: dict[str, Any] = field(default_factory=dict)

    residents: list[Person] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    companies: list[Org] = field(default_factory=list)
    red_companies: list[Org] = field(default_factory=list)
    cobuilding_units: list[Org] = field(default_factory=list)
    residents_committees: dict[int, Org] = field(default_factory=dict)
    party_committees: dict[int, PartyOrg] = field(default_factory=dict)
    owners_committees: list[Org] = field(default_factory=list)
    developers: list[Org] = field(default_factory=list)
    street_offices: list[Org] = field(default_factory=list)
    housing_bureaus: list[Org] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def k(self, n: float) -> int:
        """``n`` at this scale, rounded, never below 1."""
        return max(1, round(n * self.scale))


Seeder = Callable[[SeedContext], None]

# dotted name → (order, seeder). Keyed by name so a module imported twice (or a
# test re-registering) does not run a seeder twice.
_SEEDERS: dict[str, tuple[int, Seeder]] = {}


def _name(fn: Seeder) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_seeder(order: int, fn: Seeder) -> Seeder:
    """Run ``fn(ctx)`` after the foundation, in ascending ``order``. Returns ``fn``."""
    _SEEDERS[_name(fn)] = (order, fn)
    return fn


def unregister_seeder(fn: Seeder) -> None:
    _SEEDERS.pop(_name(fn), None)


def registered_seeders() -> list[tuple[int, str, Seeder]]:
    """The seeders in the order they run."""
    return sorted(((order, name, fn) for name, (order, fn) in _SEEDERS.items()), key=_sort_key)


def _sort_key(item: tuple[int, str, Seeder]) -> tuple[int, str]:
    return item[0], item[1]


def discover() -> None:
    """Import ``<app>.demo_seed`` of every installed app, so they can register."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("demo_seed")
