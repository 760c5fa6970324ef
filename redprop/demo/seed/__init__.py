"""Build the demo city: ``run_seed(seed=1, scale=1)`` (what ``manage.py seed_demo`` calls).

Four places from the source articles (嘉峪关, 濮阳, 武汉径河, 南宁二桥西), about
5,000 households at scale 1, with residents, companies, committees, the party
organisation and one demo login per role. Same seed, scale and day ⇒ same data.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from faker import Faker

from redprop.demo import registry
from redprop.demo.registry import SeedContext
from redprop.demo.seed.catalog import CITY_CODES


def demo_data_exists() -> bool:
    """True if a demo city or a demo login is already in the database."""
    from redprop.accounts.models import User
    from redprop.territory.models import Region

    return (
        Region.objects.filter(code__in=CITY_CODES).exists()
        or User.objects.filter(username__startswith="demo_").exists()
    )


def make_context(
    *,
    seed: int,
    scale: float,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
) -> SeedContext:
    fake = Faker("zh_CN")
    # seed_instance: a Random of this Faker's own, not Faker's shared class-level one.
    fake.seed_instance(seed)
    return SeedContext(
        seed=seed,
        scale=scale,
        rng=random.Random(seed),
        fake=fake,
        today=today or timezone.localdate(),
        log=log or (lambda msg: None),
    )


def run_seed(
    *,
    seed: int,
    scale: float,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
    registered: bool = True,
) -> SeedContext:
    """Build the foundation, then every registered seeder, in one transaction.

    ``registered=False`` builds the foundation only (for tests of the foundation).
    """
    from redprop.demo.seed.foundation import build_foundation

    if scale <= 0:
        raise ValueError("scale must be positive")
    ctx = make_context(seed=seed, scale=scale, today=today, log=log)
    if registered:
        registry.discover()
    with transaction.atomic():
        ctx.log("foundation: territory, people, organisations, demo logins")
        start = time.perf_counter()
        build_foundation(ctx)
        ctx.log(f"foundation done in {time.perf_counter() - start:.1f}s")
        for order, name, fn in registry.registered_seeders() if registered else []:
            ctx.log(f"seeder {order}: {name}")
            start = time.perf_counter()
            fn(ctx)
            # Per-seeder time, so a slow seeder is easy to spot in bin/demo's output.
            ctx.log(f"seeder {order} done in {time.perf_counter() - start:.1f}s")
    return ctx


def model_counts() -> list[tuple[str, str, int]]:
    """(label, verbose name, rows) of every model of the project's apps that has rows."""
    rows = []
    for config in apps.get_app_configs():
        if not config.name.startswith("redprop."):
            continue
        for model in config.get_models():
            count = model._default_manager.count()
            if count:
                rows.append((model._meta.label, str(model._meta.verbose_name), count))
    return rows
