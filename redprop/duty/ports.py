"""What the hand-over (交接班) needs from the request layer, without importing it.

The duty roster sits below ``redprop.requests`` (the assignment policy reads it), so
it may not ask for requests itself. The request app plugs a source in at start-up
(``RequestsConfig.ready``); without one (a process with no request app) a hand-over
lists no orders.

Likewise the roster may not import ``redprop.notifications`` (a sibling): the request
app listens for a hand-over written (``on_handover_written``) and notifies the
incoming worker through the outbox, in the hand-over's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OpenOrder:
    """An open order as the hand-over note lists it."""

    request_id: int
    number: str
    title: str
    status: str
    mine: bool  # assigned to the outgoing worker (else: open at their office)


OpenOrdersSource = Callable[..., list[OpenOrder]]
_source: OpenOrdersSource | None = None


def set_open_orders_source(source: OpenOrdersSource) -> None:
    """Called once by the request app: ``source(*, user, org_id, community_id, limit)``."""
    global _source
    _source = source


def open_orders(*, user: Any, org_id: int, community_id: int | None, limit: int) -> list[OpenOrder]:
    """The orders still open that the outgoing ``user`` passes on: assigned to them, or
    handled by their organisation in the office's community."""
    if _source is None:
        return []
    return _source(user=user, org_id=org_id, community_id=community_id, limit=limit)


# --- hand-over written: who tells the incoming worker --------------------------------

HandoverListener = Callable[..., None]
_handover_listeners: list[HandoverListener] = []


def on_handover_written(listener: HandoverListener) -> None:
    """Called by a higher app at start-up (the request app, which may notify):
    ``listener(*, handover)`` runs inside the transaction that writes the hand-over,
    so what it writes (an outbox row) commits or rolls back with it. Registering the
    same function twice keeps one."""
    if listener not in _handover_listeners:
        _handover_listeners.append(listener)


def handover_written(*, handover: Any) -> None:
    """Tell the listeners that ``handover`` was written (its items saved)."""
    for listener in list(_handover_listeners):
        listener(handover=handover)
