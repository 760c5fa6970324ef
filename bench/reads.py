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
* search: ``RequestFilters(q=...)`` with a common two-character word, a
  three-character word, a rare word, a word that is nowhere, and a number.

Latencies are p50/p95/p99 over repetitions (after warm-up, so the database is
warm: this measures the query plan, not the disk). The SQL statements of each
operation are counted with ``CaptureQueriesContext``. At the largest size the
worst query is EXPLAINed and, unless ``--no-fixes``, the candidate fixes (indexes)
are tried in the bench database and measured, then dropped again.
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
    "search '下水道' (3 chars)": "下水道",
    "search '冷凝水' (rare, ~0.1 %)": "冷凝水",
    "search '燃气爆炸' (nowhere)": "燃气爆炸",
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
        fixes(territory, args.repeat, results[big])
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
        fixes(territory, args.repeat, res[n])


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

    def search(term: str) -> Callable[[], Any]:
        return lambda: page(selectors.request_list(scope=cs_scope, filters=RequestFilters(q=term)))

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
    return ops


def measure(territory: Any, n: int, repeat: int, seed: int) -> dict[str, dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

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


# --- the fixes, tried in the bench database only ------------------------------------

FIX_INDEXES = {
    "req_comm_id (community_id, id DESC)": (
        "CREATE INDEX req_comm_id ON requests_servicerequest (community_id, id DESC)"
    ),
    "pg_trgm GIN on description": (
        "CREATE INDEX req_desc_trgm ON requests_servicerequest USING gin (description gin_trgm_ops)"
    ),
}

BIGRAMS_SQL = """
CREATE OR REPLACE FUNCTION bench_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}')
    FROM generate_series(1, greatest(char_length(t) - 1, 1)) AS i
$$;
CREATE INDEX req_desc_bigrams ON requests_servicerequest USING gin (bench_bigrams(description));
"""


def fixes(territory: Any, repeat: int, before: dict[str, dict[str, Any]]) -> None:
    from django.db import connection

    ops = operations(territory, seed=1)
    print("\n=== fixes tried in the bench database (dropped afterwards)")
    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cur.execute("SET maintenance_work_mem = '1GB'")
    created: list[str] = []

    def run(labels: list[str], note: str) -> None:
        for label in labels:
            ms = timed(ops[label], repeat=repeat, warmup=3)
            base = statistics.median(before[label]["ms"])
            print(f"  {latency_line(label, ms)}  (before: p50 {base:.2f} ms)  [{note}]")

    # request_get: its one SELECT joins 11 tables (select_related of 10 relations); the
    # planner's join search costs ~50 ms, the execution < 1 ms. The same object with the
    # list's 4 joins and the other relations prefetched (one cheap query each):
    lean = _lean_get(territory)
    ms = timed(lean, repeat=repeat, warmup=3)
    base = statistics.median(before["request + timeline + photos"]["ms"])
    print(
        f"  {latency_line('request_get, 4 joins + prefetch', ms)}  (before: p50 {base:.2f} ms)  "
        "[selectors.request_get with select_related(*LIST_RELATED), rest prefetched]"
    )
    for name, ddl in FIX_INDEXES.items():
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(ddl)
            cur.execute("ANALYZE requests_servicerequest")
        created.append(ddl.split()[2])
        print(f"+ {name}: built in {time.perf_counter() - t:.1f} s")
        if name.startswith("req_comm_id"):
            run(
                [
                    "list first page (community)",
                    "deep page by cursor (community)",
                    *SEARCH_TERMS,
                ],
                name,
            )
        else:
            run(list(SEARCH_TERMS), name)
            for label in SEARCH_TERMS:
                sql = max(before[label]["sql"], key=lambda q: float(q["time"]))["sql"]
                plan = explain(sql).splitlines()
                print(f"    plan of {label}: " + " / ".join(p.strip() for p in plan[:4]))
    # The bigram proposal: a GIN index on the description's character pairs; a term of
    # n ≥ 2 characters must contain all its pairs (then LIKE rechecks). Works for the
    # two-character Chinese words that pg_trgm cannot index.
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(BIGRAMS_SQL)
        cur.execute("ANALYZE requests_servicerequest")
    created.append("req_desc_bigrams")
    print(f"+ bigram GIN (expression index): built in {time.perf_counter() - t:.1f} s")
    for label, term in SEARCH_TERMS.items():
        base = statistics.median(before[label]["ms"])
        sql = max(before[label]["sql"], key=lambda q: float(q["time"]))["sql"]
        fn = _bigram_query(sql, term)
        ms = timed(fn, repeat=repeat, warmup=3)
        print(f"  {latency_line(label, ms)}  (before: p50 {base:.2f} ms)  [bigram GIN + LIKE]")
    with connection.cursor() as cur:
        for name in created:
            cur.execute(f"DROP INDEX IF EXISTS {name}")
        cur.execute("DROP FUNCTION IF EXISTS bench_bigrams(text)")
        cur.execute("ANALYZE requests_servicerequest")


def _lean_get(territory: Any) -> Callable[[], Any]:
    from django.db import connection
    from django.db.models import Prefetch

    from redprop.core.scope import scoped
    from redprop.requests.models import RequestEvent, RequestPhoto, ServiceRequest
    from redprop.requests.selectors import LIST_RELATED

    with connection.cursor() as cur:
        cur.execute(
            "SELECT community_id FROM requests_servicerequest GROUP BY community_id "
            "ORDER BY count(*) DESC, 1 LIMIT 1"
        )
        community_id = cur.fetchone()[0]
        cur.execute(
            "SELECT id FROM requests_servicerequest WHERE community_id = %s", [community_id]
        )
        ids = [r[0] for r in cur.fetchall()]
    scope = territory.community_staff[community_id].scope_set()
    rnd = random.Random(2)
    picks = iter([rnd.choice(ids) for _ in range(1000)] * 100)

    def fn() -> Any:
        r = (
            scoped(
                ServiceRequest.objects.select_related(*LIST_RELATED).prefetch_related(
                    "building",
                    "unit",
                    "reporter",
                    "grid",
                    "merged_into",
                    "policy",
                    Prefetch(
                        "events",
                        queryset=RequestEvent.objects.select_related("actor", "org").order_by(
                            "at", "id"
                        ),
                    ),
                    Prefetch("photos", queryset=RequestPhoto.objects.order_by("id")),
                ),
                scope,
            )
            .filter(pk=next(picks))
            .first()
        )
        assert r is not None
        list(r.events.all())
        list(r.photos.all())
        return (r.building, r.unit, r.reporter, r.grid, r.policy)

    return fn


def _bigram_query(sql: str, term: str) -> Callable[[], Any]:
    """The selector's SQL with the bigram condition added next to the LIKE."""
    from django.db import connection

    like = "::text LIKE"
    i = sql.find(like)
    if i < 0:
        like = " LIKE"
        i = sql.find(like)
    cond = 'bench_bigrams("requests_servicerequest"."description") @> bench_bigrams(%s) AND '
    where = sql.find("WHERE ") + len("WHERE ")
    patched = sql[:where] + cond.replace("%s", "'" + term + "'") + sql[where:]

    def fn() -> Any:
        with connection.cursor() as cur:
            cur.execute(patched)
            return cur.fetchall()

    return fn


if __name__ == "__main__":
    main()
