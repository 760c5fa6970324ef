"""Who hears about a service-list item's steps: the outbox rows each service writes and
the inbox items the relay delivers from them (real database, no mocks)."""

from __future__ import annotations

from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.notifications.models import InboxItem, OutboxMessage
from redprop.service_lists import services
from redprop.service_lists.tests.helpers import agree, need, resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world: Any, relay: Any) -> Any:
    agree(world)
    relay()
    return world


def _heard(kind: str) -> list[tuple[str, str]]:
    return sorted(
        InboxItem.objects.filter(kind=kind).values_list("user__username", "link").order_by()
    )


def test_poster_hears_the_claim_and_the_completion_with_the_item_link(w, relay):
    """A grid worker's need: the unit's claim and its completion reach the grid worker
    (not the unit's staff who acted, nobody else); a refused second claim queues
    nothing."""
    item = need(w)
    unit = w.users[Role.UNIT_STAFF]
    services.item_claim(acting_user=unit, item_id=item.pk)
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError) as err:
        services.item_claim(acting_user=w.users[Role.COMPANY_STAFF], item_id=item.pk)
    assert err.value.status == 409
    assert OutboxMessage.objects.count() == before
    services.item_start(acting_user=unit, item_id=item.pk)
    services.item_complete(acting_user=unit, item_id=item.pk, note="已上门探访，老人身体良好")
    relay()
    link = f"/services/i/{item.pk}/"
    butler = w.users[Role.GRID_BUTLER].username
    assert _heard("service_item.claimed") == [(butler, link)]
    assert _heard("service_item.completed") == [(butler, link)]
    claimed = InboxItem.objects.get(kind="service_item.claimed")
    assert "独居老人每周探访" in claimed.subject and w.water.name in claimed.body
    assert "老人身体良好" in InboxItem.objects.get(kind="service_item.completed").body


def test_refused_completion_queues_nothing(w):
    """Completing without evidence, or by someone who does not hold the item, is refused
    and tells nobody."""
    item = need(w)
    unit = w.users[Role.UNIT_STAFF]
    services.item_claim(acting_user=unit, item_id=item.pk)
    services.item_start(acting_user=unit, item_id=item.pk)
    before = OutboxMessage.objects.count()
    for user, note in ((unit, ""), (w.users[Role.GRID_BUTLER], "我来完成")):
        with pytest.raises(ApplicationError):
            services.item_complete(acting_user=user, item_id=item.pk, note=note)
    assert OutboxMessage.objects.count() == before


def test_resource_release_tells_the_offering_unit_and_cancel_tells_the_claimer(w, relay):
    """A resident claims the water company's resource and hands it back: the unit hears
    both. Claimed again, the unit cancels it: the resident (the claimer) hears, the unit
    does not hear of its own act."""
    res = resource(w)
    resident, unit = w.users[Role.RESIDENT], w.users[Role.UNIT_STAFF]
    services.item_claim(acting_user=resident, item_id=res.pk)
    services.item_release(acting_user=resident, item_id=res.pk, reason="时间冲突")
    services.item_claim(acting_user=resident, item_id=res.pk)
    services.item_cancel(acting_user=unit, item_id=res.pk, reason="义诊医生临时出差")
    relay()
    link = f"/services/i/{res.pk}/"
    assert _heard("service_item.claimed") == [(unit.username, link), (unit.username, link)]
    assert _heard("service_item.released") == [(unit.username, link)]
    assert "时间冲突" in InboxItem.objects.get(kind="service_item.released").body
    assert _heard("service_item.cancelled") == [(resident.username, link)]
    assert "临时出差" in InboxItem.objects.get(kind="service_item.cancelled").body


def test_cancelling_an_open_item_tells_nobody(w):
    item = need(w)
    before = OutboxMessage.objects.count()
    services.item_cancel(acting_user=w.users[Role.GRID_BUTLER], item_id=item.pk, reason="重复")
    assert OutboxMessage.objects.count() == before


def test_community_taking_a_claim_back_tells_poster_and_holder(w, relay):
    """The community's staff hand back a stalled claim: the poster (grid worker) and the
    claiming unit's staff both hear; the staff who acted do not."""
    item = need(w)
    services.item_claim(acting_user=w.users[Role.UNIT_STAFF], item_id=item.pk)
    relay()
    services.item_release(
        acting_user=w.users[Role.COMMUNITY_STAFF], item_id=item.pk, reason="超过一周未上门"
    )
    relay()
    link = f"/services/i/{item.pk}/"
    assert _heard("service_item.released") == [
        (w.users[Role.GRID_BUTLER].username, link),
        (w.users[Role.UNIT_STAFF].username, link),
    ]
