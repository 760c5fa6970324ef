"""Benchmark: party coverage (物业党建覆盖) computed in bulk for a province-sized city.

    bin/bench party                       # 2,000 companies × 5 projects, ~15,000 members
    bin/bench party --companies 500 --repeat 20

On a throwaway PostgreSQL database (redprop_bench_party): one city, 20 streets, 200
communities each with its party committee, ``--companies`` property companies serving
5 compounds each, and 0–6 encrypted party members per project (a third of the projects
with 3 or more in a branch). Measured for the housing bureau over the city:

* ``selectors.coverage_by_street`` (two grouped queries and one for the waiting
  proposals): latency percentiles and SQL statements;
* the naive baseline in the same process: one count and one exists query per project
  (``selectors.coverage_naive``), and the ratio between the two;
* the badge lookup by blind index for one worker (what every request page asks).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import random
import time
from typing import Any

from bench.common import header, latency_line, timed
from bench.load import open_bench_db

DB = "redprop_bench_party"


def build(companies: int, seed: int) -> dict[str, Any]:
    from django.db import transaction
    from django.db.models import F

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant
    from redprop.orgs.models import Org, PartyOrg
    from redprop.party.models import Member
    from redprop.territory.models import Compound, Region

    rng = random.Random(seed)
    with transaction.atomic():
        city = Region.objects.create(level="city", name="基准市", code="P")
        Region.objects.filter(pk=city.pk).update(city=city)
        district = Region.objects.create(
            level="district", name="基准区", code="P-1", parent=city, city=city
        )
        Region.objects.filter(pk=district.pk).update(district=district)
        Region.objects.bulk_create(
            Region(
                level="street",
                name=f"街道{i}",
                code=f"P-1-{i}",
                parent=district,
                city=city,
                district=district,
            )
            for i in range(20)
        )
        Region.objects.filter(level="street").update(street=F("pk"))
        streets = list(Region.objects.filter(level="street").order_by("pk"))
        Region.objects.bulk_create(
            Region(
                level="community",
                name=f"社区{i}",
                code=f"P-1-{i % 20}-{i}",
                parent=streets[i % 20],
                city=city,
                district=district,
                street=streets[i % 20],
            )
            for i in range(200)
        )
        Region.objects.filter(level="community").update(community=F("pk"))
        communities = list(Region.objects.filter(level="community").order_by("pk"))
        committees = {}
        for c in communities:
            po = PartyOrg(kind="committee", name=f"{c.name}党委")
            po.set_place(c)
            committees[c.pk] = po
        PartyOrg.objects.bulk_create(committees.values())
        committees = {p.community_id: p for p in PartyOrg.objects.filter(kind="committee")}
        orgs = [
            Org(kind="property_company", name=f"物业{i}", company_type="commercial")
            for i in range(companies)
        ]
        for o in orgs:
            o.set_place(streets[0])
        Org.objects.bulk_create(orgs, batch_size=2000)
        orgs = list(Org.objects.filter(kind="property_company"))
        compounds = []
        for o in orgs:
            for j in range(5):
                c = Compound(
                    name=f"{o.name}小区{j}",
                    kind="commodity",
                    management_type="commercial",
                    company=o,
                )
                c.set_place(rng.choice(communities))
                compounds.append(c)
        Compound.objects.bulk_create(compounds, batch_size=5000)
        members = []
        branches = []
        person = 1
        for c in Compound.objects.all().order_by("pk"):
            n = rng.choice([0, 0, 1, 2, 2, 3, 4, 6])
            if n >= 3 and rng.random() < 0.7:
                b = PartyOrg(
                    kind="branch",
                    name=f"{c.name}党支部",
                    parent=committees[c.community_id],
                    host_org_id=c.company_id,
                )
                b.set_place(c)
                branches.append((b, c, n))
                continue
            for _ in range(n):
                m = Member(
                    company_id=c.company_id, compound=c, party_org=committees[c.community_id]
                )
                m.set_identity(person_id=person, name="张三丰")
                m.set_place(c)
                members.append(m)
                person += 1
        PartyOrg.objects.bulk_create([b for b, _c, _n in branches], batch_size=2000)
        for b, c, n in branches:
            for _ in range(n):
                m = Member(company_id=c.company_id, compound=c, party_org=b)
                m.set_identity(person_id=person, name="李四")
                m.set_place(c)
                members.append(m)
                person += 1
        Member.objects.bulk_create(members, batch_size=5000)
        bureau = User.objects.create(username="bench_bureau")
        role_grant(user=bureau, role=Role.HOUSING_BUREAU, region=city, acting_user=None)
    return {
        "bureau": User.objects.get(pk=bureau.pk),
        "members": len(members),
        "projects": len(compounds),
        "branches": len(branches),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--companies", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    open_bench_db(DB)
    t = time.perf_counter()
    world = build(args.companies, args.seed)
    header(
        "party",
        {
            "projects": f"{world['projects']:,} ({args.companies:,} companies × 5, 20 streets)",
            "members": f"{world['members']:,} encrypted, {world['branches']:,} branches",
            "built in": f"{time.perf_counter() - t:.1f} s",
        },
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.party import selectors
    from redprop.party.badges import badge_for_person

    bureau = world["bureau"]
    streets = selectors.coverage_by_street(user=bureau)
    assert sum(s.projects for s in streets) == world["projects"]
    with CaptureQueriesContext(connection) as q:
        selectors.coverage_by_street(user=bureau)
    bulk_q = len(q.captured_queries)
    print("\n--- coverage by street for the whole city")
    bulk = timed(lambda: selectors.coverage_by_street(user=bureau), repeat=args.repeat, warmup=2)
    print(latency_line("coverage_by_street", bulk))
    print(f"  {bulk_q} statements for {world['projects']:,} projects")
    print(
        f"  throughput {world['projects'] / (sorted(bulk)[len(bulk) // 2] / 1000):,.0f} projects/s"
    )
    counted = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted[0] += 1
        return execute(sql, params, many, context)

    # Counted by a wrapper: CaptureQueriesContext keeps only the last 9,000.
    with connection.execute_wrapper(count):
        selectors.coverage_naive(user=bureau)
    naive_q = counted[0]
    naive = timed(
        lambda: selectors.coverage_naive(user=bureau), repeat=max(3, args.repeat // 5), warmup=1
    )
    print(latency_line("baseline: per-project queries", naive))
    print(f"  {naive_q:,} statements")
    med = sorted(bulk)[len(bulk) // 2]
    nmed = sorted(naive)[len(naive) // 2]
    print(f"  ratio naive / bulk (median): {nmed / med:.1f}×")
    print("\n--- the badge lookup for one worker (blind index, no decryption)")
    print(latency_line("badge_for_person", timed(lambda: badge_for_person(12345), repeat=200)))


if __name__ == "__main__":
    main()
