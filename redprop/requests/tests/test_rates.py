"""The three rates: hand-computed on a fixed data set; rollups equal the naive scan."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.utils import timezone

from redprop.requests import selectors, services
from redprop.requests.models import Category, ServiceRequest

pytestmark = pytest.mark.django_db


def _file(world, **kw):
    return services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description=kw.pop("description", "下水道堵塞"),
        unit=world.unit,
        **kw,
    )


def _run(world, r, *, respond_late=False, resolve=True, score=None, solved=True, revisit=False):
    """Drive one request; move the dispatch back in time to make it late."""
    staff, worker = world.users["community_staff"], world.users["maintenance_worker"]
    services.request_dispatch(request=r, org=world.company, acting_user=staff)
    if respond_late:
        from redprop.requests.models import RequestEvent

        RequestEvent.objects.filter(request=r, kind="dispatched").update(
            at=timezone.now() - dt.timedelta(hours=2)
        )
        r = ServiceRequest.objects.get(pk=r.pk)
        services.base.recompute_sla(r)
        r.save()
    services.request_accept(request=r, acting_user=worker)
    services.request_arrive(request=r, acting_user=worker)
    if not resolve:
        return
    services.request_resolve(request=r, note="处理完毕", acting_user=worker)
    if revisit:
        services.request_revisit(
            request=r, solved=solved, score=score, note="电话回访", acting_user=staff
        )
    elif score is not None:
        services.request_rate(
            request=r, score=score, solved=solved, acting_user=world.users["resident"]
        )


def test_rates_match_hand_computed_values(world):
    """Ten requests; the figures below are counted by hand from this script.

    dispatched 10 (none withdrawn); responded on time: 8 (two made 2 h late);
    resolved 9; rated by the resident 6 + revisited 2 (one revisit without a score);
    solved confirmed 6 of 8; satisfied (5,4,3 with weight 1) 5 of 7 scored.
    """
    plan = [
        dict(score=5),
        dict(score=5),
        dict(score=4),
        dict(score=3),
        dict(score=2, solved=False),
        dict(score=1, solved=False),
        dict(respond_late=True, score=4, revisit=True),
        dict(respond_late=True, score=None, revisit=True),
        dict(),
        dict(resolve=False),
    ]
    for p in plan:
        _run(world, _file(world), **p)
    month = timezone.localdate().replace(day=1)
    row = selectors.rates(
        scope=world.users["community_staff"].scope_set(), month_from=month, month_to=month
    )[0]
    assert row["dispatched"] == 10 and row["response_base"] == 10
    assert row["responded_on_time"] == 8
    assert row["response_rate"] == Decimal("0.8000")
    assert row["rated_or_revisited"] == 8 and row["solved_confirmed"] == 6
    assert row["resolution_rate"] == Decimal("0.7500")
    assert row["rated"] == 7
    assert row["satisfaction_rate"] == Decimal("0.7143")  # (2 + 2 + 1) / 7
    assert row["resolved"] == 9
    half = selectors.rates(
        scope=world.users["community_staff"].scope_set(),
        month_from=month,
        month_to=month,
        basic_weight=Decimal("0.5"),
    )[0]
    assert half["satisfaction_rate"] == Decimal("0.6429")  # (2 + 2 + 0.5) / 7
    # Grouped by grid and by unit (org) the same totals appear.
    by_org = selectors.rates(
        scope=world.users["street_officer"].scope_set(),
        month_from=month,
        month_to=month,
        group_by="org",
    )
    assert [(r["key"], r["dispatched"]) for r in by_org] == [(world.company.pk, 10)]
    # Another street sees none of it.
    other = selectors.rates(
        scope=world.users["street_b"].scope_set(), month_from=month, month_to=month
    )[0]
    assert other["filed"] == 0 and other["response_rate"] is None


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_equals_naive_scan_on_random_histories(world, seed):
    rnd = random.Random(seed)
    staff, worker, resident = (
        world.users[k] for k in ("community_staff", "maintenance_worker", "resident")
    )
    for _ in range(12):
        r = _file(world, description=rnd.choice(["漏水", "堵塞", "灯坏了", "门禁坏了"]))
        path = rnd.random()
        if path < 0.1:
            services.request_cancel(request=r, reason="不需要了", acting_user=resident)
            continue
        services.request_dispatch(
            request=r, org=rnd.choice([world.company, world.water]), acting_user=staff
        )
        r.refresh_from_db()
        if r.handling_org_id == world.water.pk:
            if rnd.random() < 0.5:
                services.request_return(
                    request=r, reason="不归我们管", acting_user=world.users["unit_staff"]
                )
                services.request_dispatch(request=r, org=world.company, acting_user=staff)
            else:
                services.request_dispatch(request=r, org=world.company, acting_user=staff)
        if rnd.random() < 0.15:
            services.request_escalate(request=r, reason="需街道协调", acting_user=staff)
            continue
        services.request_accept(request=r, acting_user=worker)
        if rnd.random() < 0.7:
            services.request_arrive(request=r, acting_user=worker)
        if rnd.random() < 0.2:
            services.sla_sweep(now=timezone.now() + dt.timedelta(hours=3))
        services.request_resolve(request=r, note="好了", acting_user=worker)
        if rnd.random() < 0.6:
            services.request_rate(
                request=r, score=rnd.randint(1, 5), solved=rnd.random() < 0.8, acting_user=resident
            )
            if rnd.random() < 0.4:
                services.request_reopen(request=r, reason="不满意", acting_user=resident)
                services.request_accept(request=r, acting_user=worker)
                services.request_resolve(request=r, note="再处理", acting_user=worker)
                if rnd.random() < 0.5:
                    services.request_rate(
                        request=r, score=rnd.randint(1, 5), solved=True, acting_user=resident
                    )
        elif rnd.random() < 0.5:
            services.request_revisit(
                request=r,
                solved=rnd.random() < 0.7,
                score=rnd.choice([None, 3, 4]),
                acting_user=staff,
            )
    month = timezone.localdate().replace(day=1)
    for user in ("community_staff", "street_officer", "sysadmin"):
        scope = world.users[user].scope_set()
        fast = selectors.rates(scope=scope, month_from=month, month_to=month)[0]
        fast.pop("key")
        naive = selectors.rates_naive(scope=scope, month_from=month, month_to=month)
        assert fast == naive
