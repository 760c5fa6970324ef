"""The incoming worker hears of a hand-over (交接班) written to them.

The roster may not import the notifications (a sibling layer): it calls the listeners
of ``duty.ports.handover_written``, and the request app's listener queues the message
(``requests.handover.notify_handover_written``). These tests run the real wiring
(``RequestsConfig.ready``) on the real database, and the port alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from redprop.core.errors import ApplicationError
from redprop.duty import ports, services
from redprop.duty.models import HandOver
from redprop.duty.recurrence import SHANGHAI
from redprop.duty.tests.helpers import shift, worker
from redprop.notifications.models import InboxItem, OutboxMessage

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]


def _two_shifts(world: Any) -> tuple[Any, Any, Any, dt.datetime]:
    """Worker a (morning) and b (afternoon) of company A, a third worker c off duty."""
    a = worker(world, "w_out", grid=world.grid)
    b = worker(world, "w_in", grid=world.grid_2)
    c = worker(world, "w_other", grid=world.grid_2)
    today = dt.datetime.now(tz=SHANGHAI).date()
    since = today - dt.timedelta(days=1)
    shift(world, a, world.grid, "08:00", "12:00", effective_from=since)
    shift(world, b, world.grid_2, "13:00", "17:00", effective_from=since)
    now = dt.datetime.combine(today, dt.time(12, 30), tzinfo=SHANGHAI)
    return a, b, c, now


def test_the_incoming_worker_hears_with_a_link_to_the_handover(world, relay):
    a, b, _c, now = _two_shifts(world)
    relay()
    h = services.handover_write(acting_user=a, note="3号楼水管已关阀，明早复查", now=now)
    (message,) = OutboxMessage.objects.filter(kind="duty.handover")
    assert message.audience == {"users": [b.pk]}
    relay()
    link = f"/duty/handover/{h.pk}/"
    assert list(
        InboxItem.objects.filter(kind="duty.handover").values_list("user__username", "link")
    ) == [("w_in", link)]
    item = InboxItem.objects.get(kind="duty.handover")
    assert world.company.name in item.subject and "0 件" in item.body


def test_a_named_incoming_worker_hears_and_a_refused_handover_tells_nobody(world, relay):
    """A second hand-over of the same shift is a 409 and queues nothing; the named
    incoming worker (not the next one on the roster) is the one told."""
    a, b, c, now = _two_shifts(world)
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError):  # the writer cannot hand over to themself
        services.handover_write(acting_user=a, note="交给自己", to_user_id=a.pk, now=now)
    assert OutboxMessage.objects.count() == before
    h = services.handover_write(acting_user=a, note="交给丙", to_user_id=c.pk, now=now)
    with pytest.raises(ApplicationError) as exc:
        services.handover_write(acting_user=a, note="再交一次", now=now)
    assert exc.value.status == 409
    assert HandOver.objects.count() == 1
    relay()
    assert list(
        InboxItem.objects.filter(kind="duty.handover").values_list("user__username", "link")
    ) == [("w_other", f"/duty/handover/{h.pk}/")]
    assert not InboxItem.objects.filter(user=b, kind="duty.handover").exists()


def test_the_port_calls_its_listeners_inside_the_transaction(world):
    """The port alone: a listener registered once (twice is one) is called with the
    hand-over, after the hand-over's rows are written."""
    seen: list[Any] = []

    def listener(*, handover: Any) -> None:
        seen.append((handover.pk, HandOver.objects.filter(pk=handover.pk).exists()))

    ports.on_handover_written(listener)
    ports.on_handover_written(listener)
    try:
        a, _b, _c, now = _two_shifts(world)
        h = services.handover_write(acting_user=a, note="无异常", now=now)
    finally:
        ports._handover_listeners.remove(listener)
    assert seen == [(h.pk, True)]
