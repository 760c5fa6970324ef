"""What the hand-over (交接班) needs from the request layer, without importing it.

The duty roster sits below ``redprop.requests`` (the assignment policy reads it), so
it may not ask for requests itself. The request app plugs a source in at start-up
(``RequestsConfig.ready``); without one (a process with no request app) a hand-over
lists no orders.
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
