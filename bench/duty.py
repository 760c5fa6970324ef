"""Benchmark: office duty rotation (轮值坐班) for a city's offices over a year.

    bin/bench duty                         # 400 offices, 5 members each, a year
    bin/bench duty --offices 100 --members 8

On a throwaway PostgreSQL database (redprop_bench_duty): a city with ``--offices``
communities, each with its residents' committee and ``--members`` community staff.
Measured:

* the rota arithmetic alone (``duty.rota.shares``: the weekly patterns of a year's
  rota) against a naive day-by-day assignment of the same year (one row per working
  day, as a rota table with one line per date would need), in the same process: per
  office latency and the ratio;
* ``rota_create`` for every office (checks, overlap against each member's shifts,
  the generated shifts, the audit row): offices per second, per-office p50/p95 and
  SQL statements per office (must not grow with the offices);
* reads on the generated roster: 今日值班 (``office_today``) per office, ``on_duty``
  now, and one member's 我的排班 over the whole year (``my_shifts``).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from typing import Any

from bench.common import header, latency_line, one_street, timed
from bench.load import open_bench_db

DB = "redprop_bench_duty"


def build(offices: int, members: int) -> dict[str, Any]:
    from django.db import transaction

    from redprop.accounts.models import RoleAssignment, User
    from redprop.orgs.models import Org

    with transaction.atomic():
        _city, _district, _street, communities = one_street("B", offices, name="社区{i}")
        committees = []
        for c in communities:
            o = Org(kind="residents_committee", name=f"{c.name}居委会")
            o.set_place(c)
            committees.append(o)
        Org.objects.bulk_create(committees, batch_size=2000)
        User.objects.bulk_create(
            User(username=f"cadre_{c.pk}_{m}", display_name=f"干部{m}", is_active=True)
            for c in communities
            for m in range(members)
        )
        users = {u.username: u for u in User.objects.filter(username__startswith="cadre_")}
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=users[f"cadre_{c.pk}_{m}"], role="community_staff", region=c)
            for c in communities
            for m in range(members)
        )
    committees = {o.community_id: o for o in Org.objects.filter(kind="residents_committee")}
    staff = {
        c.pk: [User.objects.get(username=f"cadre_{c.pk}_{m}") for m in range(members)]
        for c in communities
    }
    return {"communities": communities, "committees": committees, "staff": staff}


def naive_year(members: int, weekdays: int, first: dt.date, last: dt.date) -> list[Any]:
    """One (date, member) row per working day of the year: what a dated rota table
    holds, computed day by day with the working calendar."""
    from redprop.calendars.selectors import is_working_day
    from redprop.duty.rota import member_on

    rows = []
    day = first
    while day <= last:
        m = member_on(
            mode="daily", members=members, weekdays=weekdays, effective_from=first, day=day
        )
        if m is not None and is_working_day(day):
            rows.append((day, m))
        day += dt.timedelta(days=1)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--offices", type=int, default=400)
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument("--year", type=int, default=2026)
    args = ap.parse_args()
    open_bench_db(DB)
    t = time.perf_counter()
    world = build(args.offices, args.members)
    header(
        "duty",
        {
            "offices": f"{args.offices:,} communities, {args.members} community staff each",
            "rota": f"daily rotation, Mon–Fri working days 08:30–17:30, {args.year}",
            "built in": f"{time.perf_counter() - t:.1f} s",
        },
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.duty import rota as rota_math
    from redprop.duty import selectors, services
    from redprop.duty.choices import MON_TO_FRI
    from redprop.duty.recurrence import SHANGHAI

    first, last = dt.date(args.year, 1, 1), dt.date(args.year, 12, 31)

    print("\n--- the rota's arithmetic for one office-year")
    gen = timed(
        lambda: rota_math.shares(
            mode="daily", members=args.members, weekdays=MON_TO_FRI, effective_from=first
        ),
        repeat=500,
    )
    naive = timed(lambda: naive_year(args.members, MON_TO_FRI, first, last), repeat=50)
    n_shares = len(
        rota_math.shares(
            mode="daily", members=args.members, weekdays=MON_TO_FRI, effective_from=first
        )
    )
    print(latency_line(f"weekly patterns ({n_shares} rows)", gen))
    print(
        latency_line(
            f"naive dated rows ({len(naive_year(args.members, MON_TO_FRI, first, last))})", naive
        )
    )
    print(
        f"  ratio naive / patterns (p50) {statistics.median(naive) / statistics.median(gen):.0f}×"
    )

    print("\n--- rota_create for every office (checks, shifts, audit)")
    per: list[float] = []
    statements: list[int] = []
    t = time.perf_counter()
    for c in world["communities"]:
        # The debug cursor keeps the last 9,000 statements: count each office afresh.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as q:
            t1 = time.perf_counter()
            services.rota_create(
                org=world["committees"][c.pk],
                community=c,
                office=f"{c.name}物业服务站",
                members=world["staff"][c.pk],
                mode="daily",
                weekdays=MON_TO_FRI,
                day_rule="working",
                starts_at=dt.time(8, 30),
                ends_at=dt.time(17, 30),
                effective_from=first,
                effective_to=last,
                acting_user=None,
            )
            per.append((time.perf_counter() - t1) * 1000)
        statements.append(len(q.captured_queries))
    total = time.perf_counter() - t
    print(latency_line("one office's rota", per))
    print(
        f"  {len(per):,} offices in {total:.2f} s = {len(per) / total:.0f} offices/s; "
        f"statements per office: first {statements[0]}, median {statistics.median(statements):.0f},"
        f" last {statements[-1]}"
    )

    print("\n--- reads on the generated roster")
    communities = world["communities"]
    day = dt.date(args.year, 6, 3)  # a Wednesday
    at = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
    i = iter(range(10**9))
    print(
        latency_line(
            "今日值班 (office_day)",
            timed(
                lambda: selectors.office_day(communities[next(i) % len(communities)], day),
                repeat=300,
            ),
        )
    )
    print(
        latency_line(
            "on_duty now",
            timed(
                lambda: selectors.on_duty(communities[next(i) % len(communities)], at), repeat=300
            ),
        )
    )
    member = world["staff"][communities[0].pk][0]
    mine = selectors.my_shifts(member, first, last)
    print(
        latency_line(
            f"我的排班, a whole year ({len(mine)} days)",
            timed(lambda: selectors.my_shifts(member, first, last), repeat=30),
        )
    )
    print(
        latency_line(
            "我的排班, two weeks",
            timed(
                lambda: selectors.my_shifts(member, day, day + dt.timedelta(days=13)), repeat=300
            ),
        )
    )
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as q:
        selectors.office_day(communities[0], day)
    print(f"  office_day: {len(q.captured_queries)} statement(s)")


if __name__ == "__main__":
    main()
