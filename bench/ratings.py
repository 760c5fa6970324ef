"""Benchmark: the star rating's bulk work at a province-sized city.

    bin/bench ratings                      # 2,000 companies, 12 months of rollups
    bin/bench ratings --companies 500 --repeat 3

On a throwaway PostgreSQL database (redprop_bench_ratings): a city with ``--companies``
property companies serving 5 compounds each across 200 communities, and 12 months of
request rollups (MonthlyStats) per company and category. Measured:

* opening a cycle (the sheet copied, one assessment per company, placed at the
  community where it serves the most compounds): seconds and SQL statements, at a
  tenth of the companies and at all of them (the statement count must not grow with
  the companies: the ratio is printed);
* service quality computed for every company (one rollup query each, the work of the
  hand-overs): per-company latency percentiles, total, and the ratio to the bare
  rollup query (requests.selectors.rates) it is built on;
* the public list with every company certified: latency percentiles and statements.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import Any

from bench.common import header, latency_line, one_street, timed
from bench.load import open_bench_db

DB = "redprop_bench_ratings"


def build(companies: int, months: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant
    from redprop.orgs.models import Org
    from redprop.requests.models import Category, MonthlyStats
    from redprop.territory.models import Compound

    rng = random.Random(seed)
    with transaction.atomic():
        city, district, street, communities = one_street("B", 200, name="社区{i}")
        orgs = [
            Org(
                kind="property_company",
                name=f"物业{i}",
                company_type="red" if i % 5 == 0 else "commercial",
            )
            for i in range(companies)
        ]
        for o in orgs:
            o.set_place(street)
        Org.objects.bulk_create(orgs, batch_size=2000)
        orgs = list(Org.objects.filter(kind="property_company"))
        compounds = []
        for o in orgs:
            for j in range(5):
                c = Compound(
                    name=f"{o.name}小区{j}",
                    kind="commodity",
                    management_type=o.company_type,
                    company=o,
                )
                c.set_place(rng.choice(communities))
                compounds.append(c)
        Compound.objects.bulk_create(compounds, batch_size=5000)
        cats = list(Category.objects.filter(parent__isnull=False)[:4])
        rows = []
        first = dt.date(2025, 1, 1)
        for o in orgs:
            for m in range(months):
                month = dt.date(
                    first.year + (first.month - 1 + m) // 12, (first.month - 1 + m) % 12 + 1, 1
                )
                for cat in cats:
                    n = rng.randint(5, 40)
                    rated = n - rng.randint(0, 5)
                    sat = rng.randint(int(rated * 0.7), rated)
                    rows.append(
                        MonthlyStats(
                            month=month,
                            city=city,
                            district=district,
                            street=street,
                            org=o,
                            category=cat,
                            cell=f"{month}|{o.pk}|{cat.pk}",
                            filed=n,
                            dispatched=n,
                            responded=n,
                            responded_on_time=n - rng.randint(0, 3),
                            resolved=n,
                            resolved_on_time=n - rng.randint(0, 4),
                            reopened=rng.randint(0, 2),
                            rated_or_revisited=rated,
                            solved_confirmed=max(0, rated - rng.randint(0, 2)),
                            rated=rated,
                            very_satisfied=sat // 2,
                            satisfied=sat - sat // 2,
                            unsatisfied=rated - sat,
                        )
                    )
        MonthlyStats.objects.bulk_create(rows, batch_size=5000)
        bureau = User.objects.create(username="bench_bureau")
        role_grant(user=bureau, role=Role.HOUSING_BUREAU, region=city, acting_user=None)
    return {"city": city, "bureau": User.objects.get(pk=bureau.pk), "rollup_rows": len(rows)}


def open_cycle(world: dict[str, Any], year: int, companies: list[Any] | None) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.ratings import services

    if companies is not None:  # a smaller city: only these companies serve compounds
        from redprop.territory.models import Compound

        keep = Compound.objects.filter(company__in=companies).values_list("pk", flat=True)
        Compound.objects.exclude(pk__in=list(keep)).update(city=None)
    with CaptureQueriesContext(connection) as q:
        t = time.perf_counter()
        services.cycle_open(acting_user=world["bureau"], city_id=world["city"].pk, year=year)
        seconds = time.perf_counter() - t
    if companies is not None:
        Compound.objects.filter(city__isnull=True).update(city=world["city"])
    return seconds, len(q.captured_queries)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--companies", type=int, default=2000)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    open_bench_db(DB)
    t = time.perf_counter()
    world = build(args.companies, args.months, args.seed)
    header(
        "ratings",
        {
            "companies": f"{args.companies:,} (5 compounds each, 200 communities)",
            "rollups": f"{world['rollup_rows']:,} MonthlyStats rows ({args.months} months)",
            "built in": f"{time.perf_counter() - t:.1f} s",
        },
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.core.scope import Scope
    from redprop.orgs.models import Org
    from redprop.ratings import quality, selectors
    from redprop.ratings.models import Assessment, Criterion
    from redprop.requests import selectors as request_selectors

    orgs = list(Org.objects.filter(kind="property_company").order_by("pk"))
    tenth = orgs[: max(1, len(orgs) // 10)]
    print("\n--- opening a cycle")
    small = [open_cycle(world, 2001 + i, tenth) for i in range(args.repeat)]
    big = [open_cycle(world, 2101 - args.repeat + i, None) for i in range(args.repeat)]
    s_sec, s_q = statistics.median(x[0] for x in small), small[0][1]
    b_sec, b_q = statistics.median(x[0] for x in big), big[0][1]
    print(f"  {len(tenth):>6,} companies: median {s_sec:7.3f} s  {s_q} statements")
    print(f"  {len(orgs):>6,} companies: median {b_sec:7.3f} s  {b_q} statements")
    print(
        f"  time ratio {b_sec / s_sec:.1f}× for {len(orgs) / len(tenth):.0f}× the companies; "
        f"statements ratio {b_q / s_q:.2f}×; per company {b_sec / len(orgs) * 1000:.2f} ms"
    )

    print("\n--- service quality for every company of the last cycle")
    cycle = Assessment.objects.order_by("-cycle__year").first().cycle
    criteria = list(Criterion.objects.filter(cycle=cycle))
    start, end = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    per: list[float] = []
    t = time.perf_counter()
    for o in orgs:
        t1 = time.perf_counter()
        quality.compute(company_id=o.pk, period_start=start, period_end=end, criteria=criteria)
        per.append((time.perf_counter() - t1) * 1000)
    total = time.perf_counter() - t
    base = timed(
        lambda: request_selectors.rates(
            scope=Scope("org", orgs[len(orgs) // 2].pk),
            month_from=start,
            month_to=end.replace(day=1),
        ),
        repeat=200,
    )
    print(latency_line("figures per company", per))
    print(latency_line("baseline: the bare rollup query", base))
    print(
        f"  all {len(orgs):,} companies in {total:.2f} s; "
        f"ratio to the bare query (p50) {statistics.median(per) / statistics.median(base):.2f}×"
    )

    print("\n--- the public list, every company certified")
    Assessment.objects.filter(cycle=cycle).update(stage="certified", stars=4, total=85)
    with CaptureQueriesContext(connection) as q:
        entries = selectors.public_list()
    print(
        latency_line(
            f"public list ({len(entries):,} entries)",
            timed(selectors.public_list, repeat=20, warmup=2),
        )
    )
    print(f"  {len(q.captured_queries)} statements for {len(entries):,} entries")


if __name__ == "__main__":
    main()
