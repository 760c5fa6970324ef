"""Benchmark — meetings (议事协商): rule expansion, carry-over, the counts selector.

    bin/bench meetings [--communities 1000] [--items 500] [--issues 50000] [--repeat 20]

1. Expansion (no database): a year of occurrences for every community's series —
   the stored-text path (``recurrence.expand``: parse the RRULE text, overrides,
   holiday flag) against dateutil's constructor called directly (the floor), with a
   mix of rules (逢四说事, the last day of the month, the second Tuesday, weekly).
2. Carry-over (PostgreSQL, database ``redprop_bench_meetings``, rebuilt each run):
   publishing the minutes of one meeting with ``--items`` agenda items whose
   resolutions are unfinished carries all of them to the next occurrence.
3. Counts: ``selectors.meeting_counts`` per community and per street for a year, a
   year by month and one month, over ``--issues`` issues (bulk-loaded with agenda
   items, resolutions and carried items in the same proportions as the demo).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from types import SimpleNamespace

from bench.common import header, latency_line, setup_django, timed

DB = "redprop_bench_meetings"
PG = "postgresql://postgres@127.0.0.1:5432"
RULES = [
    "FREQ=MONTHLY;BYMONTHDAY=4,14,24",
    "FREQ=MONTHLY;BYMONTHDAY=-1",
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=WEEKLY;BYDAY=WE",
]


def bench_expansion(n: int, repeat: int, *, holidays: bool) -> None:
    from dateutil.rrule import rrulestr

    from redprop.meetings import recurrence

    start, end = dt.date(2027, 1, 1), dt.date(2027, 12, 31)
    series = [
        SimpleNamespace(
            pk=i,
            rule=RULES[i % len(RULES)],
            starts_on=dt.date(2026, 1, 1),
            ends_on=None,
            start_time=dt.time(9, 30),
            duration_minutes=90,
        )
        for i in range(n)
    ]
    recurrence.parse_rule.cache_clear()

    def ours() -> int:
        return sum(
            len(recurrence.expand(s, start, end, overrides={}, flag_holidays=holidays))
            for s in series
        )

    def floor() -> int:
        lo, hi = dt.datetime(2027, 1, 1), dt.datetime(2027, 12, 31)  # noqa: DTZ001
        return sum(
            len(rrulestr(s.rule, dtstart=dt.datetime(2026, 1, 1)).between(lo, hi, inc=True))  # noqa: DTZ001
            for s in series
        )

    total = ours()
    assert total == floor(), "expansion differs from dateutil"
    ms_ours = timed(ours, repeat=repeat, warmup=1)
    ms_floor = timed(floor, repeat=repeat, warmup=1)
    p50 = sorted(ms_ours)[len(ms_ours) // 2]
    print(f"\n-- expansion: {n} series, a year each, {total} occurrences")
    print(latency_line("expand (text rule, overrides, holidays)", ms_ours))
    print(latency_line("dateutil between (floor)", ms_floor))
    print(
        f"  throughput {total / (p50 / 1000):,.0f} occurrences/s;"
        f" ratio ours/floor {p50 / sorted(ms_floor)[len(ms_floor) // 2]:.2f}"
    )


def _fresh_db() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB}"')
        c.execute(f'CREATE DATABASE "{DB}"')


def bench_database(items: int, issues: int, repeat: int) -> None:
    from redprop.accounts.choices import Role
    from redprop.conftest import build_world
    from redprop.core import clock
    from redprop.core.scope import ScopeSet
    from redprop.meetings import selectors, services
    from redprop.meetings.models import AgendaItem, Issue, Meeting, Resolution
    from redprop.meetings.recurrence import zone

    w = build_world()
    desk = w.users[Role.COMMUNITY_STAFF]
    t0 = dt.datetime(2027, 3, 1, 10, tzinfo=zone())
    with clock.travel(lambda: t0):
        services.series_create(
            community=w.community,
            name="逢四说事",
            convener=desk,
            acting_user=desk,
            starts_on=dt.date(2027, 1, 1),
        )
        m = services.next_meeting(community=w.community)
        rows = [
            Issue(
                title=f"议题{i}",
                source="resident",
                status="collected",
                compound=w.compound,
                city=w.city,
                district=w.district,
                street=w.street,
                community=w.community,
                created_at=t0 - dt.timedelta(days=1),
            )
            for i in range(items)
        ]
        Issue.objects.bulk_create(rows, batch_size=2000)
        t = time.perf_counter()
        services.agenda_build(meeting=m, acting_user=desk)
        build_s = time.perf_counter() - t
        services.meeting_convene(meeting=m, acting_user=desk)
        services.meeting_start(meeting=m, acting_user=desk)
        agenda = list(m.items.select_related("issue"))
        Resolution.objects.bulk_create(
            [
                Resolution(
                    item=it,
                    issue=it.issue,
                    text="决议",
                    responsible_org=w.company,
                    deadline=dt.date(2027, 3, 10),
                )
                for it in agenda
            ],
            batch_size=2000,
        )
        AgendaItem.objects.filter(meeting=m).update(status="discussed", discussion="讨论")
        services.meeting_finish(meeting=m, acting_user=desk)
        t = time.perf_counter()
        services.meeting_publish_minutes(meeting=m, acting_user=desk)
        carry_s = time.perf_counter() - t
    nxt = Meeting.objects.exclude(pk=m.pk).get(series=m.series, status="planned")
    carried = nxt.items.filter(carried_count=1).count()
    assert carried == items, (carried, items)
    print(f"\n-- agenda and carry-over: one meeting of {items} items")
    print(f"  agenda_build      {build_s * 1000:9.1f} ms  ({items / build_s:,.0f} items/s)")
    print(f"  publish + carry   {carry_s * 1000:9.1f} ms  ({items / carry_s:,.0f} items/s)")

    # Counts over a year of issues of community A (and the street's totals).
    rng = random.Random(7)
    start = dt.datetime(2027, 1, 1, tzinfo=zone())
    bulk = []
    for i in range(issues):
        at = start + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        bulk.append(
            Issue(
                title=f"年度议题{i}",
                source="resident",
                status="collected",
                compound=w.compound,
                city=w.city,
                district=w.district,
                street=w.street,
                community=w.community,
                created_at=at,
            )
        )
    Issue.objects.bulk_create(bulk, batch_size=5000)
    picked = [i for i in bulk if rng.random() < 0.8]
    ai = [
        AgendaItem(meeting=m, issue=i, position=0, created_at=i.created_at, carried_count=0)
        for i in picked
    ]
    AgendaItem.objects.bulk_create(ai, batch_size=5000)
    res = [
        Resolution(
            item=a,
            issue=a.issue,
            text="决议",
            responsible_org=w.company,
            deadline=dt.date(2028, 1, 1),
            created_at=a.created_at,
            status="done" if rng.random() < 0.65 else "adopted",
        )
        for a in ai
    ]
    for r in res:
        r.done_at = r.created_at + dt.timedelta(days=10) if r.status == "done" else None
    Resolution.objects.bulk_create(res, batch_size=5000)
    scope = desk.scope_set()
    city = ScopeSet.of(w.users[Role.HOUSING_BUREAU].scope_set())
    print(f"\n-- counts over {issues} issues, {len(ai)} agenda items, {len(res)} resolutions")
    for label, fn in (
        (
            "community desk, year",
            lambda: selectors.meeting_counts(scope=scope, level="community", year=2027),
        ),
        (
            "community desk, year by month",
            lambda: selectors.meeting_counts(
                scope=scope, level="community", year=2027, by_month=True
            ),
        ),
        (
            "community desk, one month",
            lambda: selectors.meeting_counts(scope=scope, level="community", year=2027, month=6),
        ),
        (
            "city, by street, year",
            lambda: selectors.meeting_counts(scope=city, level="street", year=2027),
        ),
    ):
        print(latency_line(label, timed(fn, repeat=repeat, warmup=2)))
    totals = selectors.count_totals(
        selectors.meeting_counts(scope=scope, level="community", year=2027)
    )
    print(f"  year totals: {totals}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--communities", type=int, default=1000)
    ap.add_argument("--items", type=int, default=500)
    ap.add_argument("--issues", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--no-db", action="store_true", help="the expansion only")
    args = ap.parse_args(argv)
    if not args.no_db:
        _fresh_db()
        os.environ["DATABASE_URL"] = f"{PG}/{DB}"
    setup_django("config.settings.test")
    header(
        "meetings",
        {
            "command": "bin/bench meetings " + " ".join(argv or sys.argv[1:]),
            **{k: v for k, v in vars(args).items()},
        },
    )
    if not args.no_db:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    bench_expansion(args.communities, args.repeat, holidays=not args.no_db)
    if not args.no_db:
        bench_database(args.items, args.issues, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
