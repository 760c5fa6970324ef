"""The dashboard's rollups equal the naive answer over the raw tables, on random data.

Random request histories are driven through the real services (file, dispatch to the
right or the wrong unit, return, escalate, accept, arrive or not, SLA sweeps that
breach and auto-escalate, resolve, rate, revisit, reopen, re-rate, cancel), filed in
three different months, in two communities of two streets, at units, buildings
(another grid) and compounds (no grid). Then, for several scopes and every grouping
of the dashboard (none, grid, community, street, month):

    selectors.rates (MonthlyStats rollups)  ==  bench.naive.naive_rates (one SQL
    aggregate over requests + events + ratings, the one the dashboard benchmark
    times)

and the naive SQL agrees with ``selectors.rates_naive`` (the Python scan that the
project's own tests use as the specification).

Run: REDPROP_TEST_DB=/tmp/perf-b-test.sqlite3 python -m pytest -q bench/tests --create-db
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.utils import timezone

from bench.naive import naive_rates
from redprop.core.errors import ApplicationError
from redprop.requests import selectors, services
from redprop.requests.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db

CATEGORIES = ["pipe_dredging", "public_repair", "seepage", "water_supply", "neighbour_dispute"]


def _history(world: Any, rnd: random.Random, months_back: int) -> None:
    """One request, filed ``months_back`` months ago, driven at random to some state."""
    u = world.users
    now = timezone.now()
    at = now - dt.timedelta(days=31 * months_back, minutes=rnd.randint(0, 600))
    cat = Category.objects.get(code=rnd.choice(CATEGORIES))
    where = rnd.random()
    if where < 0.15:  # the other street: filed and handled by the system administrator
        staff = handler = u["sysadmin"]
        r = services.request_file(
            acting_user=staff, category=cat, description="二桥西漏水", unit=world.unit_b, at=at
        )
        company, resident = world.company_b, None
    else:
        staff, handler, company, resident = (
            u["community_staff"],
            u["maintenance_worker"],
            world.company,
            u["resident"],
        )
        if where < 0.6:
            r = services.request_file(
                acting_user=resident, category=cat, description="下水道堵塞", unit=world.unit, at=at
            )
        elif where < 0.8:  # another grid of the community (a building, no unit)
            r = services.request_file(
                acting_user=staff,
                category=cat,
                description="楼道灯坏了",
                building=world.building_2,
                at=at,
            )
            handler, resident = u["company_staff"], None  # filed by staff: nobody to rate
        else:  # the compound itself: no grid
            r = services.request_file(
                acting_user=staff,
                category=cat,
                description="小区门禁坏了",
                compound=world.compound,
                at=at,
            )
            handler, resident = u["company_staff"], None
    if rnd.random() < 0.08:
        services.request_cancel(request=r, reason="不需要了", acting_user=staff)
        return
    if rnd.random() < 0.05:
        return  # still waiting for the dispatcher
    if company == world.company and rnd.random() < 0.25:
        # the wrong unit first: it returns it, or the dispatcher re-routes it
        services.request_dispatch(request=r, org=world.water, acting_user=staff)
        if rnd.random() < 0.5:
            services.request_return(request=r, reason="不归我们管", acting_user=u["unit_staff"])
    services.request_dispatch(request=r, org=company, acting_user=staff)
    if rnd.random() < 0.08:
        services.request_escalate(request=r, reason="需街道协调", acting_user=staff)
        if rnd.random() < 0.5:
            return
        officer = u["street_officer"] if company == world.company else u["street_b"]
        services.request_dispatch(request=r, org=company, acting_user=officer)
    if rnd.random() < 0.1:
        services.sla_sweep(now=timezone.now() + dt.timedelta(minutes=rnd.choice([6, 40, 200])))
    if rnd.random() < 0.05:
        return  # dispatched, nobody has taken it yet
    services.request_accept(request=r, acting_user=handler)
    if rnd.random() < 0.75:
        services.request_arrive(request=r, acting_user=handler)
    if rnd.random() < 0.15:
        services.sla_sweep(now=timezone.now() + dt.timedelta(hours=rnd.choice([1, 5])))
    if rnd.random() < 0.08:
        return  # on site, still working
    services.request_resolve(request=r, note="处理完毕", acting_user=handler)
    rated = False
    if resident is not None and rnd.random() < 0.55:
        services.request_rate(
            request=r, score=rnd.randint(1, 5), solved=rnd.random() < 0.8, acting_user=resident
        )
        rated = True
    elif rnd.random() < 0.5:
        services.request_revisit(
            request=r,
            solved=rnd.random() < 0.7,
            score=rnd.choice([None, 2, 3, 4, 5]),
            acting_user=staff,
        )
        rated = True
    if rated and rnd.random() < 0.3:
        who = resident or staff
        try:
            services.request_reopen(request=r, reason="不满意", acting_user=who)
        except ApplicationError:
            return
        services.request_accept(request=r, acting_user=handler)
        if rnd.random() < 0.2:
            services.sla_sweep(now=timezone.now() + dt.timedelta(hours=2))
        if rnd.random() < 0.8:
            services.request_resolve(request=r, note="再次处理", acting_user=handler)
            if resident is not None and rnd.random() < 0.5:
                services.request_rate(request=r, score=5, solved=True, acting_user=resident)


def _norm(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["key"]): {k: v for k, v in r.items() if k != "key"} for r in rows}


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_rollup_equals_naive_sql_on_random_histories(world: Any, seed: int) -> None:
    rnd = random.Random(seed)
    for i in range(30):
        _history(world, rnd, months_back=i % 3)
    assert ServiceRequest.objects.count() == 30
    today = timezone.localdate()
    month_to = today.replace(day=1)
    month_from = (month_to - dt.timedelta(days=100)).replace(day=1)
    checks = [
        ("sysadmin", [None, "street", "community", "grid", "month"]),
        ("street_officer", [None, "community", "grid", "month"]),
        ("community_staff", [None, "grid", "month"]),
        ("street_b", [None, "grid", "month"]),
    ]
    compared = 0
    for user, groups in checks:
        scope = world.users[user].scope_set()
        for group in groups:
            fast = selectors.rates(
                scope=scope, month_from=month_from, month_to=month_to, group_by=group
            )
            naive = naive_rates(
                scope=scope, month_from=month_from, month_to=month_to, group_by=group
            )
            assert _norm(fast) == _norm(naive), (user, group)
            compared += len(fast)
        # ... and the naive SQL agrees with the project's Python scan (the specification).
        spec = selectors.rates_naive(scope=scope, month_from=month_from, month_to=month_to)
        total = naive_rates(scope=scope, month_from=month_from, month_to=month_to)[0]
        total.pop("key")
        assert total == spec, user
    assert compared > 20
    # The data is not trivial: every counter the dashboard shows is exercised.
    everything = selectors.rates(
        scope=world.users["sysadmin"].scope_set(), month_from=month_from, month_to=month_to
    )[0]
    for counter in ("dispatched", "withdrawn", "returned", "responded", "resolved", "rated"):
        assert everything[counter] > 0, counter
    # The (month, community, category) cells the city views read are exactly the sums
    # of the fine cells: kept by the services as they go == rebuilt from scratch.
    from django.db.models import Sum

    from redprop.requests import stats
    from redprop.requests.models import COUNTERS, CommunityMonthStats, MonthlyStats

    live = {
        c.cell: tuple(getattr(c, k) for k in COUNTERS) for c in CommunityMonthStats.objects.all()
    }
    place = ["month", "community_id", "category_id"]
    rebuilt = {
        stats.community_cell_key(r["month"], r["community_id"], r["category_id"]): tuple(
            r[f"sum_{k}"] or 0 for k in COUNTERS
        )
        for r in MonthlyStats.objects.values(*place)
        .annotate(**{f"sum_{k}": Sum(k) for k in COUNTERS})
        .order_by(*place)
    }
    assert len(live) > 5
    assert rebuilt == live
