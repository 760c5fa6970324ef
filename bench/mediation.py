"""Benchmark — mediation and petitions: the deadline sweep over many open cases, and the
dashboard's counts selector.

    bin/bench mediation [--cases 100000] [--due 2000] [--repeat 20]

Database ``redprop_bench_mediation`` (PostgreSQL, dropped and rebuilt each run): a small
city through the services (bench/load.py), 20 cases through the real services (so the
rows are what the services write), then ``--cases`` open petitions and disputes inserted
in bulk with the same shape: a policy snapshot, the accept or answer deadline computed
by ``policies`` (calendar days with the holiday table), and ``next_check_at`` spread so
that about ``--due`` of them are due at the sweep's "now".

Figures (printed, never asserted):

* the sweep's selection with nothing due over all open cases (the partial index on
  ``next_check_at``): p50/p95;
* one sweep pass over the due cases: cases/s and the per-case latency percentiles
  (each check locks the case, fires its checkpoints once, writes the events, the outbox
  rows and the next check);
* a second pass at the same "now": nothing fires (idempotent), its time;
* ``selectors.case_counts`` for the city by street and for one street by community over
  a year: p50/p95;
* ``policies.deadline``: per-call latency in calendar and working days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from typing import Any

from bench.common import header, latency_line, percentile, timed
from bench.load import build_territory, open_bench_db

DB = "redprop_bench_mediation"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    header("mediation", {"cases": args.cases, "due": args.due, "repeat": args.repeat})
    open_bench_db(DB, fresh=True)

    from django.db import connection
    from django.utils import timezone

    from redprop.accounts.choices import Role
    from redprop.core import clock
    from redprop.mediation import policies, selectors, services
    from redprop.mediation.models import Case, CaseParty

    rng = random.Random(args.seed)
    t = time.perf_counter()
    terr = build_territory(districts=1, streets_per_district=3, communities_per_street=4)
    print(f"territory through the services: {time.perf_counter() - t:.1f} s")
    now = timezone.now()
    year_ago = now - dt.timedelta(days=365)

    # The bench's residents have no household of record: place them in their community
    # (as an occupancy would), so the desk may name them as parties.
    from redprop.people.models import Person

    for p in terr.places:
        person_id = terr.residents[p.community_id][0]
        Person.objects.filter(pk=person_id).update(
            city_id=p.city_id,
            district_id=p.district_id,
            street_id=p.street_id,
            community_id=p.community_id,
        )
    # A few cases through the real services: the template of the bulk rows.
    t = time.perf_counter()
    for i in range(20):
        place = rng.choice(terr.places)
        staff = terr.community_staff[place.community_id]
        person_id = terr.residents[place.community_id][0]
        from redprop.territory.models import Compound

        services.case_open(
            kind="petition" if i % 2 else "dispute",
            dispute_type="fees",
            source="hotline",
            title="物业费争议",
            summary="基准测试",
            place=Compound.objects.get(pk=place.compound_id),
            parties=[{"side": "applicant", "kind": "resident", "person_id": person_id}],
            mediators=[{"kind": "community_staff", "user_id": staff.pk}],
            acting_user=staff,
        )
    print(f"20 cases through case_open: {(time.perf_counter() - t) * 1000 / 20:.1f} ms each")

    # Bulk: open cases received over the last 90 days, half accepted.
    t = time.perf_counter()
    snapshot = policies.snapshot(None)
    rows: list[Case] = []
    due_share = args.due / max(1, args.cases)
    for i in range(args.cases):
        place = terr.places[i % len(terr.places)]
        received = now - dt.timedelta(minutes=rng.randrange(1, 90 * 24 * 60))
        accepted = received + dt.timedelta(days=1) if i % 2 else None
        c = Case(
            kind="petition" if i % 3 else "dispute",
            dispute_type="property_service",
            source="hotline",
            title="物业服务",
            summary="",
            status="accepted" if accepted else "registered",
            received_at=received,
            accepted_at=accepted,
            policy=snapshot,
            city_id=place.city_id,
            district_id=place.district_id,
            street_id=place.street_id,
            community_id=place.community_id,
            grid_id=place.grid_id,
            compound_id=place.compound_id,
        )
        c.accept_due_at = policies.accept_due(c)
        c.answer_due_at = policies.answer_due(c)
        # About ``due`` of them are due now; the rest later.
        if rng.random() < due_share:
            c.next_check_at = now - dt.timedelta(minutes=rng.randrange(1, 600))
        else:
            c.next_check_at = now + dt.timedelta(minutes=rng.randrange(60, 60 * 24 * 30))
        rows.append(c)
    Case.objects.bulk_create(rows, batch_size=5000)
    people = [terr.residents[p.community_id][0] for p in terr.places]
    CaseParty.objects.bulk_create(
        [
            CaseParty(
                case_id=c.pk,
                side="applicant",
                kind="resident",
                person_id=people[i % len(people)],
                name="居民",
            )
            for i, c in enumerate(rows)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE mediation_case")
        cur.execute("ANALYZE mediation_caseparty")
    print(f"bulk rows: {args.cases} cases in {time.perf_counter() - t:.1f} s")
    due = Case.objects.filter(next_check_at__lte=now).count()
    print(f"due at now: {due}")

    quiet = now - dt.timedelta(days=1)
    ms = timed(
        lambda: list(
            Case.objects.filter(next_check_at__lte=quiet).values_list("pk", flat=True)[:500]
        ),
        repeat=args.repeat,
    )
    print(latency_line("sweep selection, nothing due", ms))

    per_case: list[float] = []
    original = services.case_deadline_check

    def timed_check(**kw: Any) -> Any:
        s = time.perf_counter()
        out = original(**kw)
        per_case.append((time.perf_counter() - s) * 1000)
        return out

    services.case_deadline_check = timed_check  # type: ignore[assignment]
    t = time.perf_counter()
    with clock.travel(lambda: now):
        swept = 0
        while True:
            n = services.deadline_sweep(now=now, limit=500)
            swept += n
            if n < 500:
                break
    took = time.perf_counter() - t
    services.case_deadline_check = original  # type: ignore[assignment]
    print(f"sweep pass: {swept} cases in {took:.2f} s = {swept / took:.0f} cases/s")
    print(latency_line("one case's check", per_case))
    t = time.perf_counter()
    again = services.deadline_sweep(now=now, limit=500)
    print(
        f"second pass at the same now: {again} cases in {(time.perf_counter() - t) * 1000:.1f} ms"
    )

    from redprop.accounts.models import User

    officer = terr.city_officer or User.objects.filter(roles__role=Role.HOUSING_BUREAU).first()
    scope = officer.scope_set()
    city_ms = timed(
        lambda: selectors.case_counts(scope=scope, node=terr.city, since=year_ago, until=now),
        repeat=args.repeat,
    )
    print(latency_line("counts: city by street (year)", city_ms))
    street = terr.streets[0]
    s_scope = terr.street_officers[street.pk].scope_set()
    street_ms = timed(
        lambda: selectors.case_counts(scope=s_scope, node=street, since=year_ago, until=now),
        repeat=args.repeat,
    )
    print(latency_line("counts: street by community", street_ms))
    start = now
    cal = timed(lambda: policies.deadline(start, 60, "calendar"), repeat=200)
    work = timed(lambda: policies.deadline(start, 60, "working"), repeat=200)
    print(latency_line("deadline 60 calendar days", cal))
    print(latency_line("deadline 60 working days", work))
    print(
        f"ratio working/calendar p50: {percentile(work, 50) / max(1e-9, percentile(cal, 50)):.1f}"
    )


if __name__ == "__main__":
    main()
