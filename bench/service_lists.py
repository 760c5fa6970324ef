"""Benchmark: the service list at city scale and claim throughput.

    bin/bench service_lists                    # 100,000 items over 200 communities
    bin/bench service_lists --items 20000 --claims 300

On a throwaway PostgreSQL database (redprop_bench_service_lists): a street of 200
communities, ``--items`` needs and resources spread over them (mixed classes, states,
due dates), one co-building unit with agreements in 20 communities. Measured:

* the list query (``selectors.item_list``, first page of 100, open needs, open-first
  order) as community staff (one community), the street officer (all 200) and the
  unit's staff (20 communities by agreement + its own items): latency percentiles, and
  the ratio to a naive baseline in the same process (a bare indexed filter of one
  community's rows, no scope, no order by state);
* claims: ``--claims`` open needs claimed one by one through ``services.item_claim``
  (row lock, relationship, state, event, audit): claims/s and percentiles, the ratio to
  a bare ``UPDATE … WHERE status='open'`` per item; then 4 threads racing over the same
  fresh needs: every need won exactly once (counted), claims/s.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import threading
import time
from typing import Any

from bench.common import header, latency_line, one_street, timed
from bench.load import open_bench_db

DB = "redprop_bench_service_lists"
CLASSES = [
    "jie_min_xu",
    "bang_min_kun",
    "wei_min_xin",
    "liao_min_ji",
    "nuan_min_qing",
    "bian_min_ji",
]


def build(items: int, seed: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant
    from redprop.orgs.models import CoBuildingAgreement, Org
    from redprop.service_lists.models import ServiceItem

    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        _city, _district, street, communities = one_street("S", 200, name="社区{i}")
        unit = Org(kind="cobuilding_unit", name="基准医院", unit_type="hospital")
        unit.set_place(street)
        unit.save()
        for c in communities[:20]:
            a = CoBuildingAgreement(
                org=unit, title="共驻共建协议", signed_on=today - dt.timedelta(days=30)
            )
            a.set_place(c)
            a.save()
        poster = User.objects.create(username="bench_poster")
        rows = []
        states = ["open"] * 5 + ["claimed", "in_progress"] + ["done"] * 3 + ["cancelled"]
        for i in range(items):
            c = rng.choice(communities)
            status = rng.choice(states)
            it = ServiceItem(
                side="need" if rng.random() < 0.7 else "resource",
                service_class=rng.choice(CLASSES),
                care=rng.choice(["", "", "elderly_alone", "elderly", "child"]),
                title=f"事项{i}",
                status=status,
                due_on=today + dt.timedelta(days=rng.randint(-20, 30))
                if rng.random() < 0.6
                else None,
                posted_by=poster,
                claimed_by=poster if status in ("claimed", "in_progress", "done") else None,
            )
            it.set_place(c)
            rows.append(it)
        ServiceItem.objects.bulk_create(rows, batch_size=5000)

        def login(name: str, role: str, **anchor: Any) -> Any:
            u = User.objects.create(username=name)
            role_grant(user=u, role=role, acting_user=None, **anchor)
            return User.objects.get(pk=u.pk)

        users = {
            "community": login("bench_desk", Role.COMMUNITY_STAFF, region=communities[0]),
            "street": login("bench_street", Role.STREET_OFFICER, region=street),
            "unit": login("bench_unit", Role.UNIT_STAFF, org=unit),
        }
    return {"communities": communities, "users": users, "poster": poster}


def fresh_needs(world: dict[str, Any], n: int) -> list[int]:
    from redprop.service_lists.models import ServiceItem

    c = world["communities"][0]
    rows = []
    for i in range(n):
        it = ServiceItem(
            side="need", service_class="wei_min_xin", title=f"认领{i}", posted_by=world["poster"]
        )
        it.set_place(c)
        rows.append(it)
    return [r.pk for r in ServiceItem.objects.bulk_create(rows)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--claims", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    open_bench_db(DB)
    t = time.perf_counter()
    world = build(args.items, args.seed)
    header(
        "service_lists",
        {
            "items": f"{args.items:,} over 200 communities (70% needs)",
            "unit": "agreements with 20 communities",
            "built in": f"{time.perf_counter() - t:.1f} s",
        },
    )
    from django.db import connection, connections
    from django.db.models import F

    from redprop.service_lists import selectors, services
    from redprop.service_lists.models import ServiceItem

    print("\n--- the list (first page of 100: open needs, open first, nearest due date)")
    community = world["communities"][0]

    def naive() -> list[Any]:
        return list(
            ServiceItem.objects.filter(
                community_id=community.pk, side="need", status="open"
            ).order_by("-created_at")[:100]
        )

    base = timed(naive, repeat=args.repeat)
    print(latency_line("naive: one community, bare filter", base))
    for who, user in world["users"].items():
        user.__dict__.pop("_service_lists_cache", None)

        def page(user: Any = user) -> list[Any]:
            return list(selectors.item_list(user=user, side="need", status="open")[:100])

        ms = timed(page, repeat=args.repeat)
        ratio = sorted(ms)[len(ms) // 2] / max(sorted(base)[len(base) // 2], 1e-6)
        print(latency_line(f"item_list as {who}", ms) + f"  x{ratio:.1f} of naive")

    print("\n--- claims, one by one (services.item_claim)")
    unit = world["users"]["unit"]
    ids = fresh_needs(world, args.claims)
    lat = []
    t = time.perf_counter()
    for pk in ids:
        s = time.perf_counter()
        services.item_claim(acting_user=unit, item_id=pk)
        lat.append((time.perf_counter() - s) * 1000)
    total = time.perf_counter() - t
    print(latency_line("item_claim", lat) + f"  {len(ids) / total:,.0f} claims/s")
    bare_ids = fresh_needs(world, args.claims)
    t = time.perf_counter()
    for pk in bare_ids:
        ServiceItem.objects.filter(pk=pk, status="open").update(
            status="claimed", claimed_by=unit, version=F("version") + 1
        )
    bare = time.perf_counter() - t
    print(
        f"{'naive: bare UPDATE per item':<34} {len(bare_ids) / bare:,.0f} claims/s"
        f"  (item_claim is x{total / bare:.1f} the time)"
    )

    print("\n--- 4 threads racing over the same needs")
    race_ids = fresh_needs(world, max(50, args.claims // 2))
    wins = [0] * 4
    refused = [0] * 4

    def worker(i: int) -> None:
        from redprop.core.errors import ApplicationError

        try:
            for pk in race_ids:
                try:
                    services.item_claim(acting_user=unit, item_id=pk)
                    wins[i] += 1
                except ApplicationError as err:
                    if err.status != 409:
                        raise
                    refused[i] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    race = time.perf_counter() - t
    claimed = ServiceItem.objects.filter(pk__in=race_ids, status="claimed").count()
    print(
        f"  {len(race_ids)} needs, {sum(wins)} won, {sum(refused)} refused (409), "
        f"{claimed} claimed in the database; {4 * len(race_ids) / race:,.0f} attempts/s"
    )
    print(f"  exactly one win per need: {sum(wins) == len(race_ids) == claimed}")
    connection.close()


if __name__ == "__main__":
    main()
