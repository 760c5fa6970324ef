"""Benchmark — a notice to a whole street fanned out by the relay (issue #17).

    bin/bench notices [--residents 100000] [--keep]

Database ``redprop_bench_notices`` (PostgreSQL, dropped and created afresh unless
``--keep`` finds it seeded at the same size). The street's territory — communities,
compounds, grids, buildings — is created through the services; the residents are
seeded in bulk (``bulk_create``: units, people, occupancies, logins with unusable
passwords, resident roles), about three people per household.

Then, as the platform does it:

1. a street officer publishes one water-cut notice to the street
   (``notice_create(publish=True)``): timed, with its statement count — one
   fan-out row, whatever the street's size;
2. the relay expands the fan-out (``notifications.services.deliver`` of that row):
   the audience is resolved in SQL and the per-recipient rows are written in chunks
   of ``FANOUT_CHUNK``: timed, with its statement count (the proof that it is not one
   query per resident);
3. the relay delivers the inbox rows (``outbox_sweep`` in a loop, as
   ``manage.py run_outbox`` does): time and rate (messages/s);
4. reads: the street's reach (unread per building), a resident's home list
   (p50/p95 over 200 residents), and 1,000 read receipts.

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from bench.common import header, percentile
from bench.load import open_bench_db

DB = "redprop_bench_notices"
PEOPLE_PER_UNIT = 3
UNITS_PER_BUILDING = 60
BUILDINGS_PER_COMPOUND = 20


def seed(residents: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from redprop.accounts.choices import Role
    from redprop.accounts.models import RoleAssignment, User
    from redprop.accounts.services import role_grant, user_create
    from redprop.orgs.choices import CompanyType, OrgKind
    from redprop.orgs.services import org_create
    from redprop.people.models import Person
    from redprop.territory import services as territory
    from redprop.territory.models import Occupancy, Ownership, Unit

    units_needed = -(-residents // PEOPLE_PER_UNIT)
    buildings_needed = -(-units_needed // UNITS_PER_BUILDING)
    compounds_needed = -(-buildings_needed // BUILDINGS_PER_COMPOUND)
    communities = max(1, -(-compounds_needed // 6))
    t0 = time.perf_counter()
    city = territory.region_create(
        level="city", name="濮阳市", code="N1", parent=None, acting_user=None
    )
    district = territory.region_create(
        level="district", name="华龙区", code="N1-1", parent=city, acting_user=None
    )
    street = territory.region_create(
        level="street", name="径河街道", code="N1-1-1", parent=district, acting_user=None
    )
    company = org_create(
        kind=OrgKind.PROPERTY_COMPANY,
        name="径河红色物业",
        company_type=CompanyType.RED,
        place=street,
        acting_user=None,
    )
    buildings = []
    for ci in range(communities):
        community = territory.region_create(
            level="community",
            name=f"社区{ci + 1}",
            code=f"N1-1-1-{ci + 1}",
            parent=street,
            acting_user=None,
        )
        grids = [
            territory.grid_create(
                community=community, name=f"网格{g + 1}", code=f"N{ci}-G{g}", acting_user=None
            )
            for g in range(4)
        ]
        for k in range(6):
            if len(buildings) >= buildings_needed:
                break
            compound = territory.compound_create(
                community=community,
                name=f"小区{k + 1}",
                management_type="red",
                company=company,
                acting_user=None,
            )
            for b in range(BUILDINGS_PER_COMPOUND):
                if len(buildings) >= buildings_needed:
                    break
                buildings.append(
                    territory.building_create(
                        compound=compound, name=f"{b + 1}栋", grid=grids[b % 4], acting_user=None
                    )
                )
    t_territory = time.perf_counter() - t0
    t0 = time.perf_counter()
    unusable = make_password(None)
    made = 0
    with transaction.atomic():
        for bi, building in enumerate(buildings):
            units = []
            for u in range(UNITS_PER_BUILDING):
                if made + len(units) * PEOPLE_PER_UNIT >= residents:
                    break
                unit = Unit(
                    building=building,
                    compound_id=building.compound_id,
                    label=f"{u // 12 + 1}单元{u % 12 + 101}",
                    floor_area="80",
                    exclusive_area="70",
                )
                unit.set_place(building)
                units.append(unit)
            if not units:
                break
            Unit.objects.bulk_create(units)
            people = []
            for unit in units:
                for p in range(PEOPLE_PER_UNIT):
                    person = Person(name=f"居民{bi}-{unit.pk}-{p}")
                    person.set_place(unit)
                    people.append(person)
            people = people[: residents - made]
            Person.objects.bulk_create(people)
            Occupancy.objects.bulk_create(
                [
                    Occupancy(
                        unit=units[i // PEOPLE_PER_UNIT],
                        person=p,
                        relation="head" if i % PEOPLE_PER_UNIT == 0 else "other",
                    )
                    for i, p in enumerate(people)
                ]
            )
            Ownership.objects.bulk_create(
                [
                    Ownership(unit=units[i // PEOPLE_PER_UNIT], person=p)
                    for i, p in enumerate(people)
                    if i % PEOPLE_PER_UNIT == 0
                ]
            )
            users = User.objects.bulk_create(
                [User(username=f"n{p.pk}", password=unusable, person=p) for p in people]
            )
            RoleAssignment.objects.bulk_create(
                [RoleAssignment(user=u, role=Role.RESIDENT, person_id=u.person_id) for u in users]
            )
            made += len(people)
    t_people = time.perf_counter() - t0
    officer = user_create(username="n_officer", password="bench-officer-pw-1", acting_user=None)
    role_grant(user=officer, role=Role.STREET_OFFICER, region=street, acting_user=None)
    from django.db import connection

    with connection.cursor() as c:
        c.execute("ANALYZE")
    return {
        "street": street,
        "officer": User.objects.get(pk=officer.pk),
        "residents": made,
        "buildings": len(buildings),
        "communities": communities,
        "t_territory": t_territory,
        "t_people": t_people,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    args = parser.parse_args()
    open_bench_db(DB, fresh=True)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from redprop.accounts.models import User
    from redprop.notices import selectors, services
    from redprop.notifications.choices import Channel, OutboxStatus
    from redprop.notifications.models import InboxItem, OutboxMessage
    from redprop.notifications.services import FANOUT_CHUNK, deliver, outbox_sweep

    world = seed(args.residents)
    header(
        "notices",
        {
            "residents": world["residents"],
            "buildings": world["buildings"],
            "communities": world["communities"],
            "fanout_chunk": FANOUT_CHUNK,
            "seed_territory_s": f"{world['t_territory']:.1f}",
            "seed_people_s": f"{world['t_people']:.1f}",
        },
    )
    # 1. publish (after one warm-up notice to a single building: the first statements
    # after the bulk seed meet cold caches and the autovacuum of the new tables)
    from redprop.territory.models import Building

    t0 = time.perf_counter()
    services.notice_create(
        acting_user=world["officer"],
        kind="power_cut",
        title="预热",
        body="预热",
        target_level="building",
        target_id=Building.objects.order_by("pk").values_list("pk", flat=True).first(),
        publish=True,
    )
    print(f"warm-up publish to one building: {(time.perf_counter() - t0) * 1000:.0f} ms")
    outbox_sweep(limit=1000)  # the warm-up notice's own delivery, before the street's
    with CaptureQueriesContext(connection) as q:
        t0 = time.perf_counter()
        notice = services.notice_create(
            acting_user=world["officer"],
            kind="water_cut",
            title="径河街道明日停水通知",
            body="因主管网维修，明日 8:00-18:00 全街道停水，请提前储水。",
            target_level="street",
            target_id=world["street"].pk,
            publish=True,
        )
        t_publish = time.perf_counter() - t0
    print(
        f"publish (writer's transaction): {t_publish * 1000:.1f} ms, {len(q)} statements, audience {notice.audience_size}"
    )
    # 2. expansion
    fanout = OutboxMessage.objects.get(channel=Channel.FANOUT, target_id=str(notice.pk))
    with CaptureQueriesContext(connection) as q:
        t0 = time.perf_counter()
        assert deliver(fanout.pk)
        t_expand = time.perf_counter() - t0
    rows = OutboxMessage.objects.filter(dedupe_key__startswith=f"fanout:{fanout.pk}|").count()
    print(
        f"relay: fan-out expansion {t_expand:.2f} s, {len(q)} statements for {rows} recipient rows "
        f"({rows / t_expand:,.0f} rows/s; {len(q) / max(rows, 1) * 1000:.2f} statements per 1,000 residents)"
    )
    # 3. inbox delivery
    t0 = time.perf_counter()
    delivered = 0
    sweeps = 0
    while True:
        n = outbox_sweep(limit=2000)
        sweeps += 1
        delivered += n
        if n == 0:
            break
    t_deliver = time.perf_counter() - t0
    items = InboxItem.objects.filter(link=notice.get_absolute_url()).count()
    left = OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.RETRYING]
    ).count()
    print(
        f"relay: inbox delivery {t_deliver:.1f} s for {delivered} messages "
        f"({delivered / t_deliver:,.0f} msg/s, {sweeps} sweeps); inbox items {items}, still open {left}"
    )
    total = t_expand + t_deliver
    print(f"end to end (publish → every resident's inbox): {t_publish + total:.1f} s")
    # 4. reads
    t0 = time.perf_counter()
    reach = selectors.notice_reach(notice=notice)
    t_reach = time.perf_counter() - t0
    print(f"reach (unread per building, {len(reach)} buildings): {t_reach * 1000:.0f} ms")
    users = list(
        User.objects.filter(username__startswith="n")
        .exclude(username="n_officer")
        .order_by("?")[:1200]
    )
    lat = []
    for u in users[:200]:
        t0 = time.perf_counter()
        list(selectors.notices_for_resident(user=u)[:20])
        lat.append((time.perf_counter() - t0) * 1000)
    print(
        f"resident home list: p50 {statistics.median(lat):.1f} ms, p95 {percentile(lat, 95):.1f} ms (200 residents)"
    )
    t0 = time.perf_counter()
    for u in users[200:1200]:
        services.notice_mark_read(notice=notice, user=u)
    t_reads = time.perf_counter() - t0
    print(
        f"read receipts: {1000 / t_reads:,.0f}/s (1,000 residents opening it); read count {selectors.read_count(notice)}"
    )


if __name__ == "__main__":
    main()
