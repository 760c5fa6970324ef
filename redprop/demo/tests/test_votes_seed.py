"""The demo's owners' votes: two published (item 6 under the 3/4 rule, item 4 under the
majority rule) with their windows in the past, and one open now that the demo resident
can cast on the phone."""

from __future__ import annotations

import pytest
from django.utils import timezone

from redprop.demo.seed import run_seed
from redprop.demo.seed.votes import seed_votes
from redprop.votes import selectors
from redprop.votes.models import Ballot, Vote

pytestmark = pytest.mark.django_db


def test_demo_votes():
    # Today: the open vote's window is counted from the seeding date.
    ctx = run_seed(seed=1, scale=0.05, today=timezone.localdate(), registered=False)
    seed_votes(ctx)
    votes = {v.item: v for v in Vote.objects.all()}
    assert set(votes) == {4, 5, 6}
    fund, rehire, now_open = votes[6], votes[4], votes[5]
    for v in (fund, rehire):
        assert v.state == "published"
        assert v.closes_at < timezone.now()
        r = v.result
        assert r["thresholds"]["agreement"] == ("3/4" if v.item == 6 else "1/2")
        assert r["quorum_met"], r
        # Every ballot is dated inside the window.
        assert (
            not Ballot.objects.filter(vote=v)
            .exclude(cast_at__gte=v.opens_at, cast_at__lte=v.closes_at)
            .exists()
        )
        assert r["total_heads"] == v.total_heads
    assert now_open.state == "open" and now_open.window_open()
    resident = ctx.users["resident"]
    heads = selectors.my_heads(vote=now_open, user=resident)
    assert heads, "the demo resident owns a unit of the open vote's compound"
    assert all(h.current is None for h in heads)  # left for the demo to cast
