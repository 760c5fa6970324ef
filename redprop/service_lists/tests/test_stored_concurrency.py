"""Two claims of one need at the same moment (双向认领): exactly one wins, the other is a
409 ``service_item_already_claimed`` and leaves nothing. Real threads and connections
on PostgreSQL (SQLite serialises writers whole, so it proves nothing there)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections  # noqa: F401 - the skip marker reads it

from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.core.errors import ApplicationError
from redprop.service_lists import services
from redprop.service_lists.models import ServiceItem, ServiceItemEvent
from redprop.service_lists.tests.helpers import agree, need

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]


def race(*calls):  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):  # type: ignore[no-untyped-def]
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


def test_two_units_claim_one_need_at_once() -> None:
    """The water company (by agreement) and property company A (serving a compound of
    the community) both claim the same need: one wins, one gets the 409."""
    w = build_world()
    agree(w)
    item = need(w)
    unit, company = w.users[Role.UNIT_STAFF], w.users[Role.COMPANY_STAFF]
    for _round in range(3):
        results = race(
            lambda: services.item_claim(acting_user=unit, item_id=item.pk),
            lambda: services.item_claim(acting_user=company, item_id=item.pk),
        )
        wins = [r for r in results if isinstance(r, ServiceItem)]
        losses = [r for r in results if isinstance(r, ApplicationError)]
        assert len(wins) == 1 and len(losses) == 1, results
        assert losses[0].status == 409 and losses[0].code == "service_item_already_claimed"
        item.refresh_from_db()
        assert item.status == "claimed" and item.claimed_org_id == wins[0].claimed_org_id
        assert ServiceItemEvent.objects.filter(item=item, kind="claim").count() == _round + 1
        services.item_release(
            acting_user=w.users[Role.COMMUNITY_STAFF], item_id=item.pk, reason="再试一次"
        )
