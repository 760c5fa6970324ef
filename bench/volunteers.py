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
* the publish fan-out (``volunteer.activity_published``) to a community of N
  registered volunteers (``--fanout-sizes``, default 280, the 海景北 figure, and
  2,800): publishing through the service writes one FANOUT row naming the audience
  group, against the naive loop of one ``outbox_enqueue`` per volunteer run in the
  same process (the baseline): rows written, statements, p50/p95 ms and the ratio;
  then what the relay does with the fan-out (one resolve query, the rows in chunks).

    bin/bench volunteers --fanout-only --db hnotify   # only the fan-out, on an existing db

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from decimal import Decimal
from typing import Any

from bench.common import header, latency_line, one_street, timed
from bench.load import open_bench_db

DB = "redprop_bench_volunteers"
# Seed 002 (海景北社区): "90名在职党员和280名优秀志愿者成立了居民服务联盟": 370 in the
# alliance, the 90 party members also in the vanguard (as the demo, ADR 0029).
VANGUARD = 90
VOLUNTEERS = VANGUARD + 280


def build(communities: int, weeks: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant
    from redprop.people.models import Person
    from redprop.volunteers.choices import ActivityStatus, HoursStatus, TeamKind
    from redprop.volunteers.models import Activity, HoursRecord, Signup, Team, Volunteer

    now = timezone.now()
    with transaction.atomic():
        _city, _district, street, comms = one_street("V", communities, name="社区{i:03d}")
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


class _Rollback(Exception):
    pass


class Statements:
    """Counts the statements run inside it (all of them: CaptureQueriesContext keeps
    only the last 9,000), and those touching the outbox."""

    def __init__(self) -> None:
        self.total = 0
        self.outbox = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.total += 1
        self.outbox += "notifications_outboxmessage" in sql
        return execute(sql, params, many, context)


def fanout_world(n: int, tag: str) -> dict[str, Any]:
    """A community of ``n`` registered volunteers, each with a login (no email: the
    inbox row only), its alliance and an organiser; built with bulk inserts."""
    from django.db.models import F

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant
    from redprop.people.models import Person
    from redprop.territory.models import Region
    from redprop.volunteers.choices import TeamKind
    from redprop.volunteers.models import Team, Volunteer

    city = Region.objects.create(level="city", name="扇出市", code=f"F{tag}")
    Region.objects.filter(pk=city.pk).update(city=city)
    street = Region.objects.create(
        level="street", name="扇出街道", code=f"F{tag}-1", parent=city, city=city
    )
    Region.objects.filter(pk=street.pk).update(street=street)
    community = Region.objects.create(
        level="community",
        name="海景北社区",
        code=f"F{tag}-1-1",
        parent=street,
        city=city,
        street=street,
    )
    Region.objects.filter(pk=community.pk).update(community=F("pk"))
    community.refresh_from_db()
    people = [Person(name=f"志愿者{i}") for i in range(n)]
    for p in people:
        p.set_place(community)
    people = Person.objects.bulk_create(people)
    User.objects.bulk_create(User(username=f"fan{tag}_{i}", person=p) for i, p in enumerate(people))
    vols = [Volunteer(person=p) for p in people]
    for v in vols:
        v.set_place(community)
    Volunteer.objects.bulk_create(vols)
    team = Team(name="居民服务联盟", kind=TeamKind.ALLIANCE)
    team.set_place(community)
    team.save()
    organiser = User.objects.create(username=f"fan{tag}_organiser")
    role_grant(user=organiser, role=Role.COMMUNITY_STAFF, region=community, acting_user=None)
    return {
        "community": community,
        "team": team,
        "organiser": User.objects.get(pk=organiser.pk),
    }


def _draft(world: dict[str, Any], i: int) -> Any:
    from django.utils import timezone

    from redprop.volunteers.models import Activity

    start = timezone.now() + dt.timedelta(days=1)
    a = Activity(
        team=world["team"],
        title=f"每周环境清扫 {i}",
        place="小区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=50,
        organiser=world["organiser"],
    )
    a.set_place(world["community"])
    a.save()
    return a


def bench_fanout(n: int, repeat: int) -> None:
    """Publish to ``n`` volunteers: the service's one fan-out row against the naive
    per-volunteer ``outbox_enqueue`` loop; then the relay's expansion. All in one
    transaction rolled back at the end (the database is left as it was)."""
    from django.db import connection, transaction

    from redprop.accounts.models import User
    from redprop.notifications.choices import Channel
    from redprop.notifications.models import OutboxMessage
    from redprop.notifications.services import deliver, outbox_enqueue
    from redprop.notifications.texts import Text
    from redprop.volunteers import services
    from redprop.volunteers.models import Volunteer

    print(f"\n--- publishing an activity to {n:,} volunteers (volunteer.activity_published)")
    try:
        with transaction.atomic():
            world = fanout_world(n, f"{n}-{int(time.time())}")
            drafts = [_draft(world, i) for i in range(repeat + 1)]
            organiser = world["organiser"]

            def publish(a: Any) -> None:
                services.activity_transition(
                    activity_id=a.pk, action="publish", acting_user=organiser
                )

            publish(drafts[0])  # warm-up (and the message the relay expands below)
            fan_ms, fan_q, fan_rows = [], Statements(), 0
            for a in drafts[1:]:
                before = OutboxMessage.objects.count()
                fan_q = Statements()
                with connection.execute_wrapper(fan_q):
                    t = time.perf_counter()
                    publish(a)
                    fan_ms.append((time.perf_counter() - t) * 1000)
                fan_rows = OutboxMessage.objects.count() - before

            community_id = world["community"].pk

            def naive(a: Any) -> None:
                # The baseline a writer without fan-out would write: find the volunteers'
                # logins, then queue one message per volunteer.
                users = User.objects.filter(
                    person_id__in=Volunteer.objects.filter(
                        community_id=community_id, active=True
                    ).values("person_id"),
                    is_active=True,
                )
                subject = Text("志愿活动招募：%(title)s", {"title": a.title})
                for user in users:
                    outbox_enqueue(
                        kind="volunteer.activity_published",
                        subject=subject,
                        body=subject,
                        link=f"/volunteers/{a.pk}/",
                        recipients=[user],
                        target=a,
                    )

            naive_runs = max(3, repeat // 4)
            naive_ms, naive_q, naive_rows = [], Statements(), 0
            for a in drafts[1 : naive_runs + 1]:
                before = OutboxMessage.objects.count()
                naive_q = Statements()
                with connection.execute_wrapper(naive_q):
                    t = time.perf_counter()
                    naive(a)
                    naive_ms.append((time.perf_counter() - t) * 1000)
                naive_rows = OutboxMessage.objects.count() - before

            print(
                f"  fan-out (service)  rows {fan_rows:>6}  statements {fan_q.total:>6} "
                f"(outbox {fan_q.outbox}; the rest is the step, its event and audit row)"
            )
            print("  " + latency_line("publish (activity_transition)", fan_ms))
            print(
                f"  naive loop         rows {naive_rows:>6}  statements {naive_q.total:>6} "
                f"(outbox {naive_q.outbox}; the outbox part alone, no step)"
            )
            print("  " + latency_line("naive outbox_enqueue per volunteer", naive_ms))
            ratio = statistics.median(naive_ms) / statistics.median(fan_ms)
            print(f"  ratio  naive / fan-out (p50) = {ratio:.1f}x")

            # What the relay then does with one fan-out: resolve the group, write the rows.
            message = OutboxMessage.objects.filter(
                kind="volunteer.activity_published",
                channel=Channel.FANOUT,
                target_id=str(drafts[0].pk),
            ).get()
            before = OutboxMessage.objects.count()
            relay_q = Statements()
            with connection.execute_wrapper(relay_q):
                t = time.perf_counter()
                deliver(message.pk)
                relay_ms = (time.perf_counter() - t) * 1000
            print(
                f"  relay expansion    rows {OutboxMessage.objects.count() - before:>6}  "
                f"statements {relay_q.total:>6}  {relay_ms:8.2f} ms (one run, after commit, "
                "off the writer's path)"
            )
            raise _Rollback
    except _Rollback:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--communities", type=int, default=20)
    ap.add_argument("--weeks", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--fanout-sizes", default="280,2800")
    ap.add_argument("--fanout-only", action="store_true")
    ap.add_argument(
        "--db", default=DB, help="an existing database other than redprop_bench_* is not dropped"
    )
    args = ap.parse_args()
    sizes = [int(x) for x in args.fanout_sizes.split(",") if x.strip()]
    open_bench_db(args.db, fresh=args.db.startswith("redprop_bench"))
    if args.fanout_only:
        header("volunteers (fan-out)", {"volunteers": ", ".join(f"{n:,}" for n in sizes)})
        for n in sizes:
            bench_fanout(n, args.repeat)
        return
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

    for n in sizes:
        bench_fanout(n, args.repeat)


if __name__ == "__main__":
    main()
