"""Benchmark 2 — reads at scale: list, deep page, one request with its timeline, search.

    bin/bench reads [--sizes 1000,100000,1000000] [--repeat 30] [--no-fixes]

In a fresh PostgreSQL database (``redprop_bench_reads``), migrated by Django, a
small city is built through the services (bench/load.py: 2 districts, 6 streets,
24 communities, 96 grids) and 1 k, 100 k then 1 M service requests with their
timelines (about 7 events each), ratings and photos are COPYed in, each size
loaded afresh. At each size the real selectors run in-process through the
Django ORM (no HTTP):

* list, first page: ``selectors.request_list(scope)[:20]`` for a community staff
  member's scope and for a street officer's scope;
* deep page: ``selectors.after_cursor(request_list(scope), cursor, 20)`` with a
  cursor 40 rows before the end of the scope;
* one request: ``selectors.request_get`` + its events + its photos (random ids);
* search: ``RequestFilters(q=...)`` in a community's scope with common words (two,
  three and five characters, and one character), rare words (two and three), words
  that are nowhere (two and four characters, and 漏水道, made of common pairs), a
  place with digits, and a number; and three of them in the whole city's scope.

Latencies are p50/p95/p99 over repetitions (after warm-up, so the database is
warm: this measures the query plan, not the disk). The SQL statements of each
operation are counted with ``CaptureQueriesContext`` once the process has read
the search index's statistics (``search.index_statistics``: one statement per
process every 10 minutes, timed separately). At the largest size the worst query
is EXPLAINed and, unless ``--no-fixes``, the alternatives to the shipped search
(the plain LIKE it replaced, pg_trgm, the n-gram index with all grams AND-ed) are
measured in the bench database, then dropped again.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from bench.common import header, latency_line, percentile, timed
from bench.load import (
    build_territory,
    load_requests,
    open_bench_db,
    truncate_requests,
    write_meta,
)

DB = "redprop_bench_reads"
TERRITORY = {"districts": 2, "streets_per_district": 3, "communities_per_street": 4}
SEARCH_TERMS = {
    "search '漏水' (2 chars, common)": "漏水",
    "search '下水道' (3 chars, common)": "下水道",
    "search '请尽快处理' (5, very common)": "请尽快处理",
    "search '水' (1 char, common)": "水",
    "search '冷凝' (2 chars, rare)": "冷凝",
    "search '冷凝水' (rare, ~0.1 %)": "冷凝水",
    "search '爆炸' (2 chars, nowhere)": "爆炸",
    "search '燃气爆炸' (nowhere)": "燃气爆炸",
    "search '漏水道' (nowhere, common pairs)": "漏水道",
    "search '3栋2单元' (digits)": "3栋2单元",
}
# The housing bureau searches the whole city (here 1 M rows in scope).
CITY_TERMS = {
    "search '漏水' (city scope)": "漏水",
    "search '冷凝' (city scope)": "冷凝",
    "search '燃气爆炸' (city scope)": "燃气爆炸",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="1000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-fixes", action="store_true", help="skip the index experiments")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database a previous run left (its largest size) and try the fixes",
    )
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.reuse:
        reuse(args)
        return

    started = time.perf_counter()
    open_bench_db(DB)
    header(
        "reads",
        {
            "database": f"{DB} (fresh, migrated)",
            "territory": TERRITORY,
            "sizes": sizes,
            "repeat": args.repeat,
            "seed": args.seed,
            "loadavg": os.getloadavg(),
        },
    )
    t = time.perf_counter()
    territory = build_territory(**TERRITORY)
    print(
        f"territory: {len(territory.streets)} streets, {len(territory.communities)} communities, "
        f"{len(territory.grids)} grids, {len(territory.places)} places "
        f"(through the services, {time.perf_counter() - t:.1f} s)"
    )
    results: dict[int, dict[str, dict[str, Any]]] = {}
    for n in sizes:
        truncate_requests(DB)
        print(f"\n--- {n:,} requests")
        load = load_requests(DB, territory, n, seed=args.seed, log=print)
        print(
            f"  loaded {load.requests:,} requests, {load.events:,} events, {load.ratings:,} ratings, "
            f"{load.photos:,} photos, {load.cells:,} rollup cells in {load.seconds:.1f} s"
        )
        results[n] = measure(territory, n, args.repeat, args.seed)
    write_meta(DB, requests=sizes[-1], seed=args.seed, territory=TERRITORY)
    summary(results, sizes)
    big = sizes[-1]
    worst = explain_worst(results[big])
    if not args.no_fixes:
        fixes(territory, args.repeat)
    print(f"\nworst query at {big:,}: {worst}")
    print(f"total {time.perf_counter() - started:.0f} s")


def reuse(args: Any) -> None:
    from bench.load import read_meta, territory_from_db

    meta = read_meta(DB)
    open_bench_db(DB, fresh=False)
    n = int(meta["requests"])
    header("reads (--reuse)", {"database": f"{DB} as left by a previous run", "size": n})
    territory = territory_from_db()
    res = {n: measure(territory, n, args.repeat, args.seed)}
    explain_worst(res[n])
    if not args.no_fixes:
        fixes(territory, args.repeat)


# --- the operations ----------------------------------------------------------------


def operations(territory: Any, seed: int) -> dict[str, Callable[[], Any]]:
    from django.db import connection

    from redprop.requests import selectors
    from redprop.requests.selectors import RequestFilters

    # The busiest community (weights in bench/load.py) and its street.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT community_id, count(*) FROM requests_servicerequest "
            "GROUP BY community_id ORDER BY 2 DESC, 1 LIMIT 1"
        )
        community_id, _ = cur.fetchone()
    community = next(c for c in territory.communities if c.pk == community_id)
    cs = territory.community_staff[community.pk]
    so = territory.street_officers[community.street_id]
    cs.forget_roles()
    so.forget_roles()
    cs_scope, so_scope = cs.scope_set(), so.scope_set()
    city = territory.city_officer
    city.forget_roles()
    city_scope = city.scope_set()

    def cursor_near_end(column: str, value: int) -> int:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT id FROM requests_servicerequest WHERE {column} = %s "
                "ORDER BY id OFFSET 40 LIMIT 1",
                [value],
            )
            row = cur.fetchone()
        return row[0] if row else 0

    deep_c = cursor_near_end("community_id", community.pk)
    deep_s = cursor_near_end("street_id", community.street_id)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT id FROM requests_servicerequest WHERE community_id = %s", [community.pk]
        )
        ids = [r[0] for r in cur.fetchall()]
    rnd = random.Random(seed)
    picks = [rnd.choice(ids) for _ in range(1000)]
    pick_iter = iter(picks * 100)
    number = f"RP{rnd.choice(ids):08d}"

    def page(qs: Any) -> list[Any]:
        rows = list(qs[:20])
        for r in rows:  # what a list row shows
            _ = (r.category.name, r.compound and r.compound.name, r.handling_org, r.assignee)
        return rows

    def get() -> Any:
        r = selectors.request_get(scope=cs_scope, request_id=next(pick_iter))
        assert r is not None
        list(r.events.all())
        list(r.photos.all())
        return r

    def search(term: str, scope: Any = cs_scope) -> Callable[[], Any]:
        return lambda: page(selectors.request_list(scope=scope, filters=RequestFilters(q=term)))

    ops: dict[str, Callable[[], Any]] = {
        "list first page (community)": lambda: page(selectors.request_list(scope=cs_scope)),
        "list first page (street)": lambda: page(selectors.request_list(scope=so_scope)),
        "deep page by cursor (community)": lambda: selectors.after_cursor(
            selectors.request_list(scope=cs_scope), deep_c, 20
        ),
        "deep page by cursor (street)": lambda: selectors.after_cursor(
            selectors.request_list(scope=so_scope), deep_s, 20
        ),
        "request + timeline + photos": get,
    }
    for label, term in SEARCH_TERMS.items():
        ops[label] = search(term)
    ops["search by number (RP…)"] = search(number)
    for label, term in CITY_TERMS.items():
        ops[label] = search(term, city_scope)
    return ops


def measure(territory: Any, n: int, repeat: int, seed: int) -> dict[str, dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.requests import search

    # The statistics of the search index, as a process reads them (once per
    # STATS_TTL); the previous size's are stale.
    search._stats.clear()
    t = time.perf_counter()
    stats = search.index_statistics(connection.alias, "requests_servicerequest")
    print(
        f"  search index statistics: {len(stats.frequencies)} counted grams (least "
        f"frequent {stats.min_frequency:.2%}) read in {(time.perf_counter() - t) * 1000:.1f} "
        f"ms, once per process every {search.STATS_TTL:.0f} s"
    )
    out: dict[str, dict[str, Any]] = {}
    for label, fn in operations(territory, seed).items():
        with CaptureQueriesContext(connection) as ctx:
            fn()
        ms = timed(fn, repeat=repeat, warmup=3)
        # Server time of the statements (EXPLAIN ANALYZE: planning + execution).
        server = sum(server_ms(q["sql"]) for q in ctx.captured_queries)
        out[label] = {
            "ms": ms,
            "queries": len(ctx.captured_queries),
            "sql": ctx.captured_queries,
            "server": server,
        }
        print(
            f"  {latency_line(label, ms)}  SQL {len(ctx.captured_queries)}  server {server:.2f} ms"
        )
    return out


def summary(results: dict[int, dict[str, dict[str, Any]]], sizes: list[int]) -> None:
    small, big = sizes[0], sizes[-1]
    print(
        f"\n=== summary: p50 / p95 / p99 in ms (in-process, ORM included); ratio = p50 at "
        f"{big:,} / p50 at {small:,}; server = PostgreSQL planning + execution (EXPLAIN ANALYZE) "
        "of the operation's statements at each size"
    )
    head = " | ".join(f"{n:,} p50/p95/p99" for n in sizes)
    shead = " / ".join(f"{n:,}" for n in sizes)
    print(f"| operation | {head} | ratio | SQL | server ms ({shead}) |")
    print("|---|" + "---|" * len(sizes) + "---|---|---|")
    for label in results[small]:
        cells = []
        for n in sizes:
            ms = results[n][label]["ms"]
            cells.append(
                f"{percentile(ms, 50):.2f} / {percentile(ms, 95):.2f} / {percentile(ms, 99):.2f}"
            )
        ratio = statistics.median(results[big][label]["ms"]) / statistics.median(
            results[small][label]["ms"]
        )
        q = sorted({results[n][label]["queries"] for n in sizes})
        srv = " / ".join(f"{results[n][label]['server']:.2f}" for n in sizes)
        print(
            f"| {label} | "
            + " | ".join(cells)
            + f" | {ratio:.1f}× | {'/'.join(map(str, q))} | {srv} |"
        )


def server_ms(sql: str) -> float:
    """Planning + execution time of one statement as PostgreSQL reports it."""
    import json

    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Planning Time"]) + float(plan[0]["Execution Time"])


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(r[0] for r in cur.fetchall())


def explain_worst(res: dict[str, dict[str, Any]]) -> str:
    """EXPLAIN ANALYZE the slowest statement of the slowest operation (and of the list)."""
    worst = max(res, key=lambda k: statistics.median(res[k]["ms"]))
    for label in (worst, "list first page (community)", "deep page by cursor (community)"):
        sql = max(res[label]["sql"], key=lambda q: float(q["time"]))["sql"]
        print(f"\n--- EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of: {label}")
        print(sql)
        print(explain(sql))
    return worst


# --- the alternatives, tried in the bench database only ------------------------------


def fixes(territory: Any, repeat: int) -> None:
    """The search as shipped against what it replaced and the other designs, on the
    same terms and scopes (p50 of fewer calls: the slow ones take seconds each)."""
    from django.db import connection

    from redprop.requests import search, selectors
    from redprop.requests.selectors import RequestFilters

    community_id = _busiest_community()
    scopes = {
        "community": territory.community_staff[community_id].scope_set(),
        "city": territory.city_officer.scope_set(),
    }
    terms = [(label, term, "community") for label, term in SEARCH_TERMS.items()]
    terms += [(label, term, "city") for label, term in CITY_TERMS.items()]
    reps = max(5, repeat // 3)

    def like(scope: Any, term: str) -> Any:  # the selector before the index
        return selectors.request_list(scope=scope).filter(description__contains=term)

    def all_grams(scope: Any, term: str) -> Any:  # every gram AND-ed, then LIKE
        qs = selectors.request_list(scope=scope)
        tokens = search.query_tokens(term)
        if tokens:
            qs = qs.filter(search._TokensMatch("search_text", search.tsquery_all(tokens)))
        return qs.filter(description__contains=term)

    def shipped(scope: Any, term: str) -> Any:
        return selectors.request_list(scope=scope, filters=RequestFilters(q=term))

    def measure_variant(build: Callable[[Any, str], Any]) -> dict[str, str]:
        out = {}
        for label, term, scope in terms:
            fn = lambda: list(build(scopes[scope], term)[:20])  # noqa: E731, B023
            ms = statistics.median(timed(fn, repeat=reps, warmup=1))
            sql, params = build(scopes[scope], term)[:20].query.sql_with_params()
            server = server_ms(connection.ops.compose_sql(sql, params))
            out[label] = f"{ms:.1f} ({server:.1f})"
        return out

    def size(name: str) -> str:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass))", [name])
            return str(cur.fetchone()[0])

    print(
        f"\n=== search alternatives at this size: p50 of {reps} calls in-process "
        "(PostgreSQL planning + execution of one call), ms"
    )
    print(f"  shipped n-gram index {search.INDEX_NAME}: {size(search.INDEX_NAME)}")
    results = {
        "shipped": measure_variant(shipped),
        "LIKE (before)": measure_variant(like),
        "all grams AND-ed": measure_variant(all_grams),
    }
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cur.execute("SET maintenance_work_mem = '1GB'")
        t = time.perf_counter()
        cur.execute(
            "CREATE INDEX req_desc_trgm ON requests_servicerequest "
            "USING gin (description gin_trgm_ops)"
        )
        cur.execute("ANALYZE requests_servicerequest")
    print(
        f"  pg_trgm GIN on description: built in {time.perf_counter() - t:.1f} s, "
        f"{size('req_desc_trgm')}"
    )
    try:
        results["pg_trgm + LIKE"] = measure_variant(like)
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP INDEX IF EXISTS req_desc_trgm")
            cur.execute("ANALYZE requests_servicerequest")
    names = list(results)
    print("| search | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for label, _, _ in terms:
        print(f"| {label} | " + " | ".join(results[n][label] for n in names) + " |")


def _busiest_community() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT community_id FROM requests_servicerequest GROUP BY community_id "
            "ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        return int(cur.fetchone()[0])


if __name__ == "__main__":
    main()
