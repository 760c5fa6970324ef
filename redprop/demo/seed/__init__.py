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


# A step's share of the whole run, for the progress bar (measured on 2 cores at
# --scale 0.3: the foundation 56 s, the year of requests 236 s); other seeders
# count for a little each.
STEP_WEIGHTS = {"foundation": 0.2, "redprop.demo.seed.requests.seed_requests": 0.8}

Report = Callable[[float, str, str], None]


def run_seed(
    *,
    seed: int,
    scale: float,
    today: dt.date | None = None,
    log: Callable[[str], None] | None = None,
    report: Report | None = None,
    registered: bool = True,
) -> SeedContext:
    """Build the foundation, then every registered seeder, in one transaction.

    ``report(overall, step, detail)`` is called as the run advances: ``overall``
    from 0 to 1 (weighted by ``STEP_WEIGHTS``), the step's name and what it is on.
    ``registered=False`` builds the foundation only (for tests of the foundation).
    """
    from redprop.demo.seed.foundation import build_foundation

    if scale <= 0:
        raise ValueError("scale must be positive")
    ctx = make_context(seed=seed, scale=scale, today=today, log=log)
    if registered:
        registry.discover()
    seeders = list(registry.registered_seeders()) if registered else []
    steps: list[tuple[str, str, Callable[[SeedContext], None]]] = [
        ("foundation", "区域、人员、组织 / territory, people, organisations", build_foundation)
    ]
    steps += [(name, name.rsplit(".", 1)[-1], fn) for _order, name, fn in seeders]
    weights = [STEP_WEIGHTS.get(key, 0.05) for key, _label, _fn in steps]
    total = sum(weights)
    with transaction.atomic():
        done = 0.0
        for i, ((key, label, fn), weight) in enumerate(zip(steps, weights, strict=True)):
            title = f"{i + 1}/{len(steps)} {label}"
            if report is not None:
                base = done

                def tick(
                    fraction: float,
                    detail: str,
                    base: float = base,
                    weight: float = weight,
                    title: str = title,
                ) -> None:
                    report((base + weight * min(max(fraction, 0.0), 1.0)) / total, title, detail)

                ctx.progress = tick
                tick(0.0, "")
            ctx.log(f"step {title}")
            start = time.perf_counter()
            fn(ctx)
            # Per-step time, so a slow seeder is easy to spot in bin/demo's output.
            ctx.log(f"step {key} done in {time.perf_counter() - start:.1f}s")
            done += weight
        if report is not None:
            report(1.0, "", "")
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
