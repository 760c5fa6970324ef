"""Benchmark — the monthly bill run at 1 k, 10 k and 100 k units (docs/performance.md).

    bin/bench fees [--sizes 1000,10000,100000] [--months 2]

In a fresh PostgreSQL database (``redprop_bench_fees``), migrated by Django, a
street with a red property company is built through the services; each size gets its
own compound whose buildings and units are bulk-inserted (100 units a building,
floor areas 35–140 m² with two decimals), a property-fee schedule at 0.45 元/m²
(floor area) and a parking charge for one unit in five (per subscription). Then the
real ``services.bill_run_execute`` runs for ``--months`` consecutive months:

* wall time per run, bills per second, and the number of SQL statements (it must not
  grow with the units: no per-unit query);
* a second execution of the same run (idempotent: nothing billed, one query or two);
* ``fees_check`` over the whole ledger afterwards (time, and that it finds nothing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from decimal import Decimal

from bench.common import header
from bench.load import open_bench_db

DB = "redprop_bench_fees"


def build_compound(n_units: int, seed: int) -> tuple[object, object]:
    from django.db import transaction

    from redprop.accounts.choices import Role
    from redprop.accounts.services import role_grant, user_create
    from redprop.fees import services
    from redprop.fees.models import Subscription
    from redprop.orgs.choices import CompanyType, OrgKind
    from redprop.orgs.models import Org
    from redprop.orgs.services import org_create
    from redprop.territory import services as territory
    from redprop.territory.models import Building, Region, Unit

    rng = random.Random(seed)
    with transaction.atomic():
        street = Region.objects.filter(level="street").first()
        if street is None:
            city = territory.region_create(
                level="city", name="基准市", code="F", parent=None, acting_user=None
            )
            district = territory.region_create(
                level="district", name="基准区", code="F-1", parent=city, acting_user=None
            )
            street = territory.region_create(
                level="street", name="基准街道", code="F-1-1", parent=district, acting_user=None
            )
        company = Org.objects.filter(kind=OrgKind.PROPERTY_COMPANY).first() or org_create(
            kind=OrgKind.PROPERTY_COMPANY,
            name="基准红色物业",
            company_type=CompanyType.RED,
            place=street,
            acting_user=None,
        )
        community = territory.region_create(
            level="community",
            name=f"基准社区{n_units}",
            code=f"F-1-1-{n_units}",
            parent=street,
            acting_user=None,
        )
        grid = territory.grid_create(
            community=community, name="一网格", code=f"FG{n_units}", acting_user=None
        )
        compound = territory.compound_create(
            community=community,
            name=f"基准小区{n_units}",
            management_type="red",
            company=company,
            acting_user=None,
        )
        place = {
            k: getattr(compound, k) for k in ("city_id", "district_id", "street_id", "community_id")
        }
        buildings = Building.objects.bulk_create(
            [
                Building(compound=compound, name=f"{b + 1}栋", grid=grid, **place)
                for b in range((n_units + 99) // 100)
            ]
        )
        units = []
        for i in range(n_units):
            area = Decimal(rng.randint(3500, 14000)) / 100
            units.append(
                Unit(
                    building=buildings[i // 100],
                    compound=compound,
                    label=f"{i // 100 + 1}栋{i % 100 + 1:03d}",
                    floor_area=area,
                    exclusive_area=(area * Decimal("0.85")).quantize(Decimal("0.01")),
                    grid=grid,
                    **place,
                )
            )
        Unit.objects.bulk_create(units, batch_size=5000)
        staff = user_create(
            username=f"bench_fees_{n_units}", password="bench-pw-123456", acting_user=None
        )
        role_grant(user=staff, role=Role.COMPANY_STAFF, org=company, acting_user=None)
        staff = type(staff).objects.get(pk=staff.pk)
        start = dt.date(2026, 1, 1)
        services.schedule_create(
            compound=compound,
            charge="property",
            name="物业服务费",
            basis="floor_area",
            rate="0.45",
            valid_from=start,
            acting_user=staff,
        )
        services.schedule_create(
            compound=compound,
            charge="parking",
            name="地面车位",
            basis="per_subscription",
            rate="60",
            valid_from=start,
            acting_user=staff,
        )
        ids = list(Unit.objects.filter(compound=compound).values_list("pk", flat=True))
        Subscription.objects.bulk_create(
            [
                Subscription(
                    unit_id=u, charge="parking", name="地面车位", started_on=dt.date(2026, 1, 10)
                )
                for u in ids[::5]
            ],
            batch_size=5000,
        )
    return compound, staff


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--months", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile the last run")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    open_bench_db(DB)
    header("fees: monthly bill run", {"sizes": sizes, "months": args.months, "db": DB})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.fees import services
    from redprop.fees.checks import check_books

    for n in sizes:
        t0 = time.perf_counter()
        compound, staff = build_compound(n, seed=n)
        print(f"\n{n:>7,} units: built in {time.perf_counter() - t0:.1f}s")
        for m in range(args.months):
            period = dt.date(2026, 1 + m, 1)
            run = services.bill_run_request(compound=compound, period=period, acting_user=staff)
            import cProfile
            import pstats

            prof = (
                cProfile.Profile()
                if args.profile and n == sizes[-1] and m == args.months - 1
                else None
            )
            with CaptureQueriesContext(connection) as q:
                t = time.perf_counter()
                if prof:
                    prof.enable()
                done = services.bill_run_execute(run_id=run.pk)
                if prof:
                    prof.disable()
                elapsed = time.perf_counter() - t
            if prof:
                pstats.Stats(prof).sort_stats("cumulative").print_stats(18)
            slowest = sorted(q.captured_queries, key=lambda x: -float(x["time"]))[:3]
            for sq in slowest:
                print(f"           {float(sq['time']) * 1000:8.1f} ms  {sq['sql'][:90]}")
            print(
                f"  {period:%Y-%m}: {done.bills:,} bills, total {done.total_fen / 100:,.2f} 元, "
                f"{elapsed:.2f}s, {done.bills / elapsed:,.0f} bills/s, {len(q)} SQL statements"
            )
            with CaptureQueriesContext(connection) as q2:
                t = time.perf_counter()
                services.bill_run_execute(run_id=run.pk)
                again = time.perf_counter() - t
            print(f"           again (idempotent): {again * 1000:.1f} ms, {len(q2)} SQL statements")
    t = time.perf_counter()
    problems = check_books()
    print(
        f"\nfees_check over the whole ledger: {time.perf_counter() - t:.1f}s, {len(problems)} problems"
    )


if __name__ == "__main__":
    main()
