"""The platform's time source.

Services ask ``clock.now()`` instead of ``timezone.now()`` so that a simulation
(the demo's year of history, the dispatch benchmark) can run the real services on
simulated time. Outside ``travel`` it is exactly ``django.utils.timezone.now()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.utils import timezone

_override: ContextVar[Callable[[], dt.datetime] | None] = ContextVar("redprop_clock", default=None)


def now() -> dt.datetime:
    fn = _override.get()
    return fn() if fn is not None else timezone.now()


def today() -> dt.date:
    """The local date (Asia/Shanghai) of ``now()``: a simulation's day, not the wall's."""
    return timezone.localdate(now())


class SimulatedClock:
    """A clock that moves only when told to."""

    def __init__(self, start: dt.datetime) -> None:
        if timezone.is_naive(start):
            raise ValueError("SimulatedClock needs an aware datetime")
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def set(self, moment: dt.datetime) -> None:
        self.t = moment

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        self.t += delta
        return self.t


@contextmanager
def travel(source: Callable[[], dt.datetime]) -> Iterator[None]:
    """Run the enclosed code with ``now()`` answered by ``source``."""
    token = _override.set(source)
    try:
        yield
    finally:
        _override.reset(token)
