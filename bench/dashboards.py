"""Benchmark 3 — dashboards: the three rates and 5341 compliance by grid, community,
street and month, from the rollups vs the naive aggregate over raw tables.

    bin/bench dashboards [--big] [--repeat 30] [--fresh]

Database ``redprop_bench_dash``: a copy (``CREATE DATABASE … TEMPLATE``) of the
1 M-request database that ``bin/bench reads`` leaves behind when it is there and
was loaded by the same loader, otherwise built here (territory through the
services, 1 M requests COPYed by bench/load.py, with the rollup cells the services
would have bumped for the same histories). ``--big`` then multiplies the data by
ten (9 more copies of every request with its events, ratings and photos, id-shifted,
and every rollup counter × 10) and measures again at 10 M.

Each dashboard query runs twice in the same run:

* rollup — ``selectors.rates(scope, month_from, month_to, group_by)``, the real
  selector: ``CommunityMonthStats`` (month, community, category) where the grouping
  needs no grid or unit split, ``MonthlyStats`` (month, grid, unit, category) for the
  by-grid view;
* naive — ``bench.naive.naive_rates``: one SQL aggregate over requests + events +
  ratings with the same definitions (``selectors.rates_naive`` is a Python scan for
  tests, far too slow at this size).

Both answers are compared (they must be equal) and both are timed: p50/p95 and the
ratio naive / rollup. Scopes: a street officer (their street, by grid, by community,
by month, total) and the city (by street, by month).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.common import header, percentile
from bench.load import (
    LOADER_VERSION,
    build_territory,
    dsn,
    load_requests,
    open_bench_db,
    read_meta,
    territory_from_db,
    write_meta,
)

DB = "redprop_bench_dash"
SOURCE = "redprop_bench_reads"
TERRITORY = {"districts": 2, "streets_per_district": 3, "communities_per_street": 4}
SIZE = 1_000_000
TARGET_P95_MS = 50.0


def prepare(fresh: bool, seed: int) -> str:
    """Create the dashboard database; returns how it was made."""
    import psycopg

    meta = read_meta(SOURCE)
    reusable = (
        not fresh
        and meta.get("loader_version") == LOADER_VERSION
        and meta.get("requests") == SIZE
        and meta.get("territory") == TERRITORY
        and meta.get("seed") == seed
    )
    with psycopg.connect(dsn("postgres"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        if reusable:
            t = time.perf_counter()
            c.execute(f'CREATE DATABASE "{DB}" TEMPLATE "{SOURCE}"')
            how = f"copy of {SOURCE} (1 M requests, same loader) in {time.perf_counter() - t:.0f} s"
        else:
            c.execute(f'CREATE DATABASE "{DB}"')
            how = "built here"
    open_bench_db(DB, fresh=False)
    if not reusable:
        territory = build_territory(**TERRITORY)
        res = load_requests(DB, territory, SIZE, seed=seed, log=print)
        write_meta(DB, requests=SIZE, seed=seed, territory=TERRITORY)
        how += f" ({res.requests:,} requests, {res.events:,} events in {res.seconds:.0f} s)"
    return how


def multiply(factor: int) -> float:
    """Make the data ``factor`` times bigger: id-shifted copies of every request with its
    events, ratings and photos; every rollup counter × factor (the same histories again,
    so the rollup stays exactly the naive answer)."""
    import psycopg

    from bench.load import SECONDARY_TABLES, _drop_secondary_indexes
    from redprop.requests.models import COUNTERS

    t = time.perf_counter()
    with psycopg.connect(dsn(DB), autocommit=True) as c:
        n = int(c.execute("SELECT max(id) FROM requests_servicerequest").fetchone()[0])
        c.execute("SET session_replication_role = replica")
        c.execute("SET maintenance_work_mem = '1GB'")
        defs = _drop_secondary_indexes(c)
        cols = {}
        for table in SECONDARY_TABLES:
            cols[table] = [
                r[0]
                for r in c.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
            ]
        for k in range(1, factor):
            shift = k * n
            rcols = cols["requests_servicerequest"]
            sel = ", ".join(f"{x} + {shift}" if x == "id" else x for x in rcols)
            c.execute(
                f"INSERT INTO requests_servicerequest ({', '.join(rcols)}) "
                f"SELECT {sel} FROM requests_servicerequest WHERE id <= {n}"
            )
            for table in ("requests_requestevent", "requests_rating", "requests_requestphoto"):
                tcols = [x for x in cols[table] if x != "id"]
                sel = ", ".join(f"{x} + {shift}" if x == "request_id" else x for x in tcols)
                c.execute(
                    f"INSERT INTO {table} ({', '.join(tcols)}) SELECT {sel} FROM {table} "
                    f"WHERE request_id <= {n}"
                )
            print(f"  copy {k}/{factor - 1} done at {time.perf_counter() - t:.0f} s", flush=True)
        sets = ", ".join(f"{x} = {x} * {factor}" for x in COUNTERS)
        c.execute(f"UPDATE requests_monthlystats SET {sets}")
        c.execute(f"UPDATE requests_communitymonthstats SET {sets}")
        for d in defs:
            c.execute(d)
        print(f"  indexes rebuilt at {time.perf_counter() - t:.0f} s", flush=True)
        for table in SECONDARY_TABLES:
            c.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - t


def timed_budget(
    fn: Callable[[], Any], repeat: int, budget_s: float, warmup: bool = True
) -> tuple[list[float], Any]:
    """Up to ``repeat`` timed calls, stopping once ``budget_s`` is spent (at least one);
    returns the latencies and the first result."""
    first = fn() if warmup else None
    out: list[float] = []
    start = time.perf_counter()
    while len(out) < repeat and (not out or time.perf_counter() - start < budget_s):
        t = time.perf_counter()
        res = fn()
        out.append((time.perf_counter() - t) * 1000)
        first = res if first is None else first
    return out, first


def dashboards(
    repeat: int,
    naive_budget: float,
    only: list[str] | None = None,
    naive_only: list[str] | None = None,
) -> list[dict[str, Any]]:
    from django.db import connection

    from bench.naive import naive_rates
    from redprop.requests import selectors

    territory = territory_from_db()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT street_id FROM requests_monthlystats GROUP BY street_id "
            "ORDER BY sum(filed) DESC, street_id LIMIT 1"
        )
        street_id = cur.fetchone()[0]
        cur.execute("SELECT min(month), max(month), count(*) FROM requests_monthlystats")
        first, last, cells = cur.fetchone()
    officer = territory.street_officers[street_id]
    city = territory.city_officer
    month_to = last
    month_from = (month_to - dt.timedelta(days=330)).replace(day=1)  # the last 12 months
    print(
        f"  rollup cells: {cells:,} ({first} … {last}); window {month_from} … {month_to}; "
        f"street {street_id}"
    )
    views = [
        ("street: total", officer, None),
        ("street: by grid", officer, "grid"),
        ("street: by community", officer, "community"),
        ("street: by month", officer, "month"),
        ("city: by street", city, "street"),
        ("city: by month", city, "month"),
    ]
    out = []
    for label, user, group in views:
        if only and not any(o in label for o in only):
            continue
        user.forget_roles()
        scope = user.scope_set()

        def rollup(scope: Any = scope, group: Any = group) -> list[dict[str, Any]]:
            return selectors.rates(
                scope=scope, month_from=month_from, month_to=month_to, group_by=group
            )

        def naive(scope: Any = scope, group: Any = group) -> list[dict[str, Any]]:
            return naive_rates(
                scope=scope, month_from=month_from, month_to=month_to, group_by=group
            )

        fast, fast_rows = timed_budget(rollup, repeat, 30)
        a = {str(r["key"]): {k: v for k, v in r.items() if k != "key"} for r in fast_rows}
        if naive_only and not any(o in label for o in naive_only):
            slow, equal = [float("nan")], None
        else:
            # The naive query is its own warm-up: it reads far more than fits in the cache.
            slow, slow_rows = timed_budget(naive, repeat, naive_budget, warmup=False)
            b = {str(r["key"]): {k: v for k, v in r.items() if k != "key"} for r in slow_rows}
            equal = a == b
        row = {
            "view": label,
            "groups": len(a),
            "equal": equal,
            "rollup": fast,
            "naive": slow,
        }
        out.append(row)
        print(
            f"  {label:<22} groups {len(a):>3}  rollup p50 {percentile(fast, 50):8.2f} p95 "
            f"{percentile(fast, 95):8.2f} ms (n={len(fast)})  naive p50 "
            f"{percentile(slow, 50):9.1f} p95 {percentile(slow, 95):9.1f} ms (n={len(slow)})  "
            f"× {statistics.median(slow) / statistics.median(fast):,.0f}  equal: {equal}",
            flush=True,
        )
        if equal is False:
            for k in sorted(set(a) | set(b))[:3]:
                print(f"    differs at {k}: rollup {a.get(k)}\n                 naive  {b.get(k)}")
    return out


def table(size: str, rows: list[dict[str, Any]]) -> None:
    print(f"\n=== {size}: latency in ms (p50 / p95), ratio = naive p50 / rollup p50")
    print("| view | groups | rollup p50 / p95 | naive p50 / p95 | ratio | equal |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        f, s = r["rollup"], r["naive"]
        print(
            f"| {r['view']} | {r['groups']} | {percentile(f, 50):.2f} / {percentile(f, 95):.2f} | "
            f"{percentile(s, 50):,.0f} / {percentile(s, 95):,.0f} | "
            f"{statistics.median(s) / statistics.median(f):,.0f}× | {r['equal']} |"
        )
    worst = max(percentile(r["rollup"], 95) for r in rows)
    verdict = "met" if worst < TARGET_P95_MS else "NOT met"
    print(f"worst rollup p95 {worst:.2f} ms — target p95 < {TARGET_P95_MS:.0f} ms: {verdict}")


def explain_naive() -> None:
    """EXPLAIN of the naive street-by-grid query (where its time goes)."""
    from django.db import connection

    from bench.naive import month_bounds, naive_sql

    with connection.cursor() as cur:
        cur.execute(
            "SELECT street_id, max(month) FROM requests_monthlystats "
            "GROUP BY street_id ORDER BY sum(filed) DESC LIMIT 1"
        )
        street_id, last = cur.fetchone()
        start, end = month_bounds((last - dt.timedelta(days=330)).replace(day=1), last)
        sql = naive_sql("postgresql", scope_column="street_id", group_by="grid")
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, [street_id, start, end])
        plan = [r[0] for r in cur.fetchall()]
    print("\n--- EXPLAIN (ANALYZE, BUFFERS) naive street-by-grid (top of the plan)")
    print("\n".join(plan[:40]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--big", action="store_true", help="also measure at 10 M requests")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--naive-budget", type=float, default=45, help="seconds per naive view")
    ap.add_argument("--fresh", action="store_true", help="do not reuse the reads database")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-1m", action="store_true", help="with --big: measure 10 M only")
    ap.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the database as a previous run left it (no copy, no load)",
    )
    ap.add_argument("--views", default="", help="comma-separated substrings of view names")
    ap.add_argument("--naive-views", default="", help="run the naive query only for these views")
    args = ap.parse_args()
    only = [v for v in args.views.split(",") if v]
    naive_only = [v for v in args.naive_views.split(",") if v]
    started = time.perf_counter()
    if args.measure_only:
        open_bench_db(DB, fresh=False)
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM requests_servicerequest")
            n = cur.fetchone()[0]
        header("dashboards (--measure-only)", {"database": DB, "requests": f"{n:,}"})
        rows = dashboards(args.repeat, args.naive_budget, only, naive_only)
        table(f"{n:,} requests", rows)
        explain_naive()
        return
    how = prepare(args.fresh, args.seed)
    header(
        "dashboards",
        {
            "database": f"{DB}: {how}",
            "sizes": "1 M" + (" and 10 M (--big)" if args.big else ""),
            "repeat": f"{args.repeat} (naive: at most {args.naive_budget:.0f} s per view)",
            "loadavg": os.getloadavg(),
        },
    )
    if not (args.big and args.skip_1m):
        print("\n--- 1,000,000 requests")
        rows = dashboards(args.repeat, args.naive_budget, only, naive_only)
        table("1 M requests", rows)
        explain_naive()
    if args.big:
        print("\n--- making it 10,000,000 requests (9 id-shifted copies)")
        seconds = multiply(10)
        print(f"  done in {seconds:.0f} s")
        from django.db import connection

        connection.close()
        rows = dashboards(args.repeat, args.naive_budget, only, naive_only)
        table("10 M requests", rows)
        explain_naive()
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
