"""Benchmark: volunteers at the size the articles give (DOMAIN.md mechanism 10).

    bin/bench volunteers                         # 20 communities x 370 volunteers
    bin/bench volunteers --communities 50 --weeks 8

On a throwaway PostgreSQL database (redprop_bench_volunteers): a street of
``--communities`` communities, each with its residents' service alliance of 90
party members and 280 volunteers (seed 002; the 90 also in the 党员先锋队), and
``--weeks`` weekly clean-ups every volunteer served (approved hours). Measured:

* bulk approval of one clean-up's 370 pending records (``hours_approve_bulk``: one
  statement per kind of row, one audit row) against the naive loop of one
  ``hours_decide`` per record (a locked step, an event and a chained audit row each):
  seconds, statements, and the ratio;
* counts by community for the street office (``counts_by_community``: four grouped
  queries) against a naive per-community loop of counts: p50/p95 and the ratio;
* ``hours_by_person`` (read by the party app): p50/p95.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal
from typing import Any

from bench.common import header, latency_line, timed
from bench.load import open_bench_db

DB = "redprop_bench_volunteers"
# Seed 002 (海景北社区): "90名在职党员和280名优秀志愿者成立了居民服务联盟": 370 in the
# alliance, the 90 party members also in the vanguard (as the demo, ADR 0029).
VANGUARD = 90
VOLUNTEERS = VANGUARD + 280


def build(communities: int, weeks: int) -> dict[str, Any]:
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant
    from redprop.people.models import Person
    from redprop.territory.models import Region
    from redprop.volunteers.choices import ActivityStatus, HoursStatus, TeamKind
    from redprop.volunteers.models import Activity, HoursRecord, Signup, Team, Volunteer

    now = timezone.now()
    with transaction.atomic():
        city = Region.objects.create(level="city", name="基准市", code="V")
        Region.objects.filter(pk=city.pk).update(city=city)
        district = Region.objects.create(
            level="district", name="基准区", code="V-1", parent=city, city=city
        )
        Region.objects.filter(pk=district.pk).update(district=district)
        street = Region.objects.create(
            level="street",
            name="基准街道",
            code="V-1-1",
            parent=district,
            city=city,
            district=district,
        )
        Region.objects.filter(pk=street.pk).update(street=street)
        Region.objects.bulk_create(
            Region(
                level="community",
                name=f"社区{i:03d}",
                code=f"V-1-1-{i}",
                parent=street,
                city=city,
                district=district,
                street=street,
            )
            for i in range(communities)
        )
        Region.objects.filter(level="community").update(community=F("pk"))
        comms = list(Region.objects.filter(level="community").order_by("pk"))
        organiser = User.objects.create(username="bench_organiser")
        role_grant(user=organiser, role=Role.COMMUNITY_STAFF, region=comms[0], acting_user=None)
        officer = User.objects.create(username="bench_street")
        role_grant(user=officer, role=Role.STREET_OFFICER, region=street, acting_user=None)
        for c in comms:
            people = [Person(name=f"志愿者{c.pk}-{i}") for i in range(VOLUNTEERS)]
            for p in people:
                p.set_place(c)
            people = Person.objects.bulk_create(people)
            alliance = Team(name="居民服务联盟", kind=TeamKind.ALLIANCE)
            vanguard = Team(name="党员先锋队", kind=TeamKind.VANGUARD)
            for t in (alliance, vanguard):
                t.set_place(c)
                t.save()
            vols = [Volunteer(person=p) for p in people]
            for v in vols:
                v.set_place(c)
            vols = Volunteer.objects.bulk_create(vols)
            through = Volunteer.teams.through
            through.objects.bulk_create(
                [through(volunteer_id=v.pk, team_id=alliance.pk) for v in vols]
                + [through(volunteer_id=v.pk, team_id=vanguard.pk) for v in vols[:VANGUARD]]
            )
            for w in range(weeks):
                start = now - dt.timedelta(days=7 * (w + 1))
                a = Activity(
                    team=alliance,
                    title=f"每周环境清扫 第{w + 1}周",
                    place="小区广场",
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=2),
                    capacity=VOLUNTEERS,
                    signed_up=VOLUNTEERS,
                    status=ActivityStatus.FINISHED,
                    organiser=organiser,
                )
                a.set_place(c)
                a.save()
                signups = Signup.objects.bulk_create(
                    Signup(
                        activity=a,
                        volunteer=v,
                        checked_in_at=start,
                        checked_out_at=start + dt.timedelta(hours=2),
                    )
                    for v in vols
                )
                recs = [
                    HoursRecord(
                        signup=s,
                        activity=a,
                        volunteer=v,
                        person_id=v.person_id,
                        served_on=start.date(),
                        hours=Decimal("2.00"),
                        status=HoursStatus.APPROVED,
                    )
                    for s, v in zip(signups, vols, strict=True)
                ]
                for r in recs:
                    r.set_place(c)
                HoursRecord.objects.bulk_create(recs)
    return {
        "comms": comms,
        "organiser": User.objects.get(pk=organiser.pk),
        "officer": User.objects.get(pk=officer.pk),
    }


def pending_batch(world: dict[str, Any], label: str) -> list[int]:
    """One more clean-up in community 0, every volunteer checked out: 370 pending."""
    from django.utils import timezone

    from redprop.volunteers.choices import ActivityStatus
    from redprop.volunteers.models import Activity, HoursRecord, Signup, Team, Volunteer

    c = world["comms"][0]
    start = timezone.now() - dt.timedelta(hours=3)
    a = Activity(
        team=Team.objects.filter(community=c).first(),
        title=label,
        place="小区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=VOLUNTEERS,
        signed_up=VOLUNTEERS,
        status=ActivityStatus.ONGOING,
        organiser=world["organiser"],
    )
    a.set_place(c)
    a.save()
    vols = list(Volunteer.objects.filter(community=c).order_by("pk"))
    signups = Signup.objects.bulk_create(
        Signup(
            activity=a,
            volunteer=v,
            checked_in_at=start,
            checked_out_at=start + dt.timedelta(hours=2),
        )
        for v in vols
    )
    recs = [
        HoursRecord(
            signup=s,
            activity=a,
            volunteer=v,
            person_id=v.person_id,
            served_on=start.date(),
            hours=Decimal("2.00"),
        )
        for s, v in zip(signups, vols, strict=True)
    ]
    for r in recs:
        r.set_place(c)
    return [r.pk for r in HoursRecord.objects.bulk_create(recs)]


def naive_counts(user: Any) -> list[tuple[int, int, int, Decimal]]:
    """The baseline: for each community in scope, count its rows one query at a time."""
    from django.db.models import Sum

    from redprop.territory.models import Region
    from redprop.volunteers.choices import HoursStatus
    from redprop.volunteers.models import HoursRecord, Volunteer

    out = []
    for c in user.scope_set().filter(Region.objects.filter(level="community")):
        vols = Volunteer.objects.filter(community=c, active=True).count()
        vanguard = Volunteer.objects.filter(community=c, teams__kind="vanguard").count()
        approved = HoursRecord.objects.filter(community=c, status=HoursStatus.APPROVED)
        out.append((vols, vanguard, approved.count(), approved.aggregate(h=Sum("hours"))["h"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--communities", type=int, default=20)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    open_bench_db(DB)
    t = time.perf_counter()
    world = build(args.communities, args.weeks)
    header(
        "volunteers",
        {
            "communities": f"{args.communities} x {VOLUNTEERS} volunteers ({VANGUARD} vanguard)",
            "hours rows": f"{args.communities * VOLUNTEERS * args.weeks:,} approved",
            "built in": f"{time.perf_counter() - t:.1f} s",
        },
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.volunteers import selectors, services

    print(f"\n--- approving one clean-up's {VOLUNTEERS} pending records")
    bulk_runs, loop_runs = [], []
    for i in range(3):
        ids = pending_batch(world, f"批量认定 {i}")
        with CaptureQueriesContext(connection) as q:
            s = time.perf_counter()
            services.hours_approve_bulk(record_ids=ids, acting_user=world["organiser"])
            bulk_runs.append((time.perf_counter() - s, len(q.captured_queries)))
        ids = pending_batch(world, f"逐条认定 {i}")
        with CaptureQueriesContext(connection) as q:
            s = time.perf_counter()
            for pk in ids:
                services.hours_decide(
                    record_id=pk, action="approve", acting_user=world["organiser"]
                )
            loop_runs.append((time.perf_counter() - s, len(q.captured_queries)))
    b = statistics.median(x[0] for x in bulk_runs)
    n = statistics.median(x[0] for x in loop_runs)
    print(
        f"  bulk   median {b:8.3f} s  {bulk_runs[0][1]:>6} statements  {VOLUNTEERS / b:9.0f} records/s"
    )
    print(
        f"  naive  median {n:8.3f} s  {loop_runs[0][1]:>6} statements  {VOLUNTEERS / n:9.0f} records/s"
    )
    print(f"  ratio  naive / bulk = {n / b:.1f}x")

    print("\n--- counts by community (street office)")
    officer = world["officer"]
    rows = selectors.counts_by_community(user=officer)
    first = rows[0]
    print(
        f"  {len(rows)} communities; {first.community}: {first.volunteers} volunteers, "
        f"{first.by_team['vanguard']} vanguard, {first.person_times} person-times, "
        f"{first.approved_hours} h"
    )
    fast = timed(lambda: selectors.counts_by_community(user=officer), repeat=args.repeat, warmup=2)
    slow = timed(lambda: naive_counts(officer), repeat=max(3, args.repeat // 4), warmup=1)
    print("  " + latency_line("counts_by_community", fast))
    print("  " + latency_line("naive per-community loop", slow))
    print(
        f"  ratio  naive / grouped (p50) = {statistics.median(slow) / statistics.median(fast):.1f}x"
    )

    print("\n--- hours_by_person (the party app's read)")
    from redprop.volunteers.models import Volunteer

    people = list(Volunteer.objects.values_list("person_id", flat=True)[:200])
    start, end = dt.date(2000, 1, 1), dt.date(2100, 1, 1)
    it = iter(people * 10)
    ms = timed(lambda: selectors.hours_by_person(next(it), start, end), repeat=100, warmup=5)
    print("  " + latency_line("hours_by_person", ms))


if __name__ == "__main__":
    main()
