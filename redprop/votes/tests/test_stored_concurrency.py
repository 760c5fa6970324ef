"""Two ballots of the same owner at the same moment: both are recorded (the history
shows both), exactly one is current. Real threads and connections on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections  # noqa: F401 - the skip marker reads it

from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.votes import selectors, services
from redprop.votes.models import Ballot
from redprop.votes.tests.helpers import build_place

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_ballots_of_one_owner_at_once():
    w = build_world()
    place = build_place(w)
    staff = w.users[Role.COMMUNITY_STAFF]
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘物业")
    wang = place.users["wang"]
    u1, u2 = place.units["102"].pk, place.units["201"].pk
    results = race(
        lambda: services.ballot_cast(vote=vote, acting_user=wang, ballots=[(u1, "agree")]),
        lambda: services.ballot_cast(vote=vote, acting_user=wang, ballots=[(u2, "disagree")]),
    )
    assert all(isinstance(r, list) for r in results), results
    rows = list(Ballot.objects.filter(vote=vote).order_by("cast_at", "id"))
    assert sorted(b.choice for b in rows) == ["agree", "disagree"]
    (head,) = selectors.my_heads(vote=vote, user=wang)
    assert len(head.history) == 2
    # The one recorded last is current, and the count uses it alone.
    t = selectors.vote_tally(vote=vote)
    assert t.participating_heads == 1
    assert (t.agree_heads, t.disagree_heads) == ((1, 0) if rows[-1].choice == "agree" else (0, 1))


def test_closing_and_a_ballot_at_once():
    """Closing locks the vote row: the ballot is either in (before) or refused."""
    w = build_world()
    place = build_place(w, name="截止小区")
    staff = w.users[Role.COMMUNITY_STAFF]
    vote = services.open_vote(staff, scope=place.compound, item=4, title="续聘物业")
    wang = place.users["wang"]
    results = race(
        lambda: services.ballot_cast(
            vote=vote, acting_user=wang, ballots=[(place.units["102"].pk, "agree")]
        ),
        lambda: services.vote_close(vote=vote, acting_user=staff),
    )
    cast, closed = results
    assert not isinstance(closed, Exception)
    stored = Ballot.objects.filter(vote=vote).count()
    assert stored == (1 if isinstance(cast, list) else 0)
    if not isinstance(cast, list):
        assert getattr(cast, "code", None) == "voting_closed"
