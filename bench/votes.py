"""Benchmark — owners' votes: freezing the electorate and counting the ballots of one
large compound (default 5,000 units, 10,000 ballots), on PostgreSQL.

    bin/bench votes [--units 5000] [--ballots 10000] [--repeat 5] [--casts 200]

Database ``redprop_bench_votes`` (dropped and created). One compound of ``--units``
units in 50 buildings: 70% one owner, 20% a couple, 6% one owner with two units, 4%
the developer's (one head); 90% of the units have a register area, the rest count
the survey figure. Measured:

* freeze — ``services.vote_open`` on a fresh draft (the electorate written as rows):
  time per run and the number of queries (constant: no per-unit query);
* count — ``selectors.vote_tally`` over ``--ballots`` ballot rows (heads voting, some
  more than once: the latest counts): time and queries (constant: no per-ballot
  query), and the ratio to ``counting.tally`` on the same inputs already in memory;
* cast — ``services.ballot_cast`` by ``--casts`` owners one after another: latency
  percentiles of the write path (lock, checks, insert).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from decimal import Decimal

from bench.common import header, percentile
from bench.load import open_bench_db


def build(units: int, rng: random.Random) -> dict:
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.services import org_create
    from redprop.people.models import Person
    from redprop.territory import services as territory
    from redprop.territory.models import Ownership, Unit
    from redprop.votes.models import AreaRecord

    city = territory.region_create(
        level="city", name="基准市", code="B1", parent=None, acting_user=None
    )
    district = territory.region_create(
        level="district", name="基准区", code="B1-1", parent=city, acting_user=None
    )
    street = territory.region_create(
        level="street", name="基准街道", code="B1-1-1", parent=district, acting_user=None
    )
    community = territory.region_create(
        level="community", name="基准社区", code="B1-1-1-1", parent=street, acting_user=None
    )
    compound = territory.compound_create(
        community=community, name="基准小区", management_type="self_managed", acting_user=None
    )
    dev = org_create(kind=OrgKind.DEVELOPER, name="基准开发", place=community, acting_user=None)
    buildings = [
        territory.building_create(compound=compound, name=f"{i + 1}栋", grid=None, acting_user=None)
        for i in range(50)
    ]
    rows = []
    for i in range(units):
        b = buildings[i % 50]
        area = Decimal(rng.randint(4500, 14000)) / 100
        u = Unit(
            building=b,
            compound=compound,
            label=f"{i // 50 + 1:03d}",
            floor_area=area * Decimal("1.18"),
            exclusive_area=area,
        )
        u.set_place(b)
        rows.append(u)
    made = Unit.objects.bulk_create(rows, batch_size=2000)
    people = Person.objects.bulk_create(
        [Person(name=f"业主{i}") for i in range(int(units * 1.3))], batch_size=2000
    )
    owners, records = [], []
    p = iter(people)
    i = 0
    while i < len(made):
        r = rng.random()
        if r < 0.04:
            made[i].developer_unsold = True
            owners.append(Ownership(unit=made[i], developer=dev))
        elif r < 0.24:
            a, b2 = next(p), next(p)
            owners += [Ownership(unit=made[i], person=a), Ownership(unit=made[i], person=b2)]
        elif r < 0.30 and i + 1 < len(made):
            a = next(p)
            owners += [Ownership(unit=made[i], person=a), Ownership(unit=made[i + 1], person=a)]
            i += 1
        else:
            owners.append(Ownership(unit=made[i], person=next(p)))
        i += 1
    Unit.objects.bulk_update([u for u in made if u.developer_unsold], ["developer_unsold"])
    Ownership.objects.bulk_create(owners, batch_size=5000)
    for u in made:
        if rng.random() < 0.9:
            records.append(AreaRecord(unit=u, source="register", area=u.exclusive_area))
    AreaRecord.objects.bulk_create(records, batch_size=5000)
    staff = user_create(username="bench_staff", password=None, acting_user=None)
    role_grant(user=staff, role="community_staff", region=community, acting_user=None)
    return {"compound": compound, "staff": User.objects.get(pk=staff.pk)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--ballots", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--casts", type=int, default=200)
    args = ap.parse_args()
    open_bench_db("redprop_bench_votes")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.accounts.models import User
    from redprop.core import clock
    from redprop.votes import counting, selectors, services
    from redprop.votes.models import Ballot, Elector

    header("votes", vars(args))
    rng = random.Random(2026)
    t0 = time.perf_counter()
    w = build(args.units, rng)
    print(f"  built       {args.units} units in {time.perf_counter() - t0:.1f} s")

    freeze_s, freeze_q = [], 0
    vote = None
    for _ in range(args.repeat):
        draft = services.vote_create(
            acting_user=w["staff"], scope=w["compound"], item=6, title="基准表决"
        )
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            vote = services.vote_open(vote=draft, acting_user=w["staff"])
            freeze_s.append(time.perf_counter() - t)
        freeze_q = len(q)
    assert vote is not None
    heads = Elector.objects.filter(vote=vote).count()
    print(
        f"  freeze      {args.units} units → {heads} heads, {vote.total_area} m²: "
        f"median {statistics.median(freeze_s) * 1000:.0f} ms (min {min(freeze_s) * 1000:.0f}, "
        f"max {max(freeze_s) * 1000:.0f}) over {args.repeat}; {freeze_q} queries; "
        f"{args.units / statistics.median(freeze_s):,.0f} units/s"
    )

    electors = list(Elector.objects.filter(vote=vote).values_list("pk", flat=True))
    now = clock.now()
    choices = ["agree"] * 6 + ["disagree"] * 2 + ["abstain", "blank", "invalid"]
    rows = [
        Ballot(
            vote=vote,
            elector_id=rng.choice(electors),
            choice=rng.choice(choices),
            channel="paper",
            cast_by=w["staff"],
            cast_at=now,
        )
        for _ in range(args.ballots)
    ]
    Ballot.objects.bulk_create(rows, batch_size=5000)
    count_s = []
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as q:
            t = time.perf_counter()
            tally = selectors.vote_tally(vote=vote)
            count_s.append(time.perf_counter() - t)
    units_mem = selectors.unit_records(vote=vote)
    keys = dict(Elector.objects.filter(vote=vote).values_list("pk", "key"))
    ballots_mem = {
        keys[e]: counting.Choice(c) for e, c in selectors.current_choices(vote=vote).items()
    }
    mem_s = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        same = counting.tally(item=6, units=units_mem, ballots=ballots_mem)
        mem_s.append(time.perf_counter() - t)
    assert same.agree_area == tally.agree_area
    med, mem = statistics.median(count_s), statistics.median(mem_s)
    print(
        f"  count       {args.ballots} ballots ({tally.participating_heads} heads taking part): "
        f"median {med * 1000:.0f} ms, {len(q)} queries; counting.tally alone {mem * 1000:.0f} ms "
        f"(reading the rows is {med / mem:.1f}× the arithmetic); passed={tally.passed}"
    )

    # The write path: owners casting one after another (lock, checks, insert).
    from redprop.votes.models import ElectorUnit

    sample = list(
        ElectorUnit.objects.filter(vote=vote, elector__key__startswith="p:").values_list(
            "unit_id", "elector__persons"
        )[: args.casts]
    )
    users = {}
    for _unit_id, pid in sample:
        if pid not in users:
            users[pid] = User.objects.create(username=f"bench_owner_{pid}", person_id=pid)
    lat = []
    for unit_id, pid in sample:
        t = time.perf_counter()
        services.ballot_cast(vote=vote, acting_user=users[pid], ballots=[(unit_id, "agree")])
        lat.append((time.perf_counter() - t) * 1000)
    print(
        f"  cast        {len(lat)} online ballots: p50 {percentile(lat, 50):.1f} ms, "
        f"p95 {percentile(lat, 95):.1f} ms, max {max(lat):.1f} ms"
    )


if __name__ == "__main__":
    main()
