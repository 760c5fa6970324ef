"""The periodic sweeps the clock runs (``manage.py run_clock``): a registry, so the
clock (in requests) does not import the mechanisms above it (docs/architecture.md).

Each app registers its sweeps in ``AppConfig.ready()``::

    from redprop.core.sweeps import register_sweep
    register_sweep("mediation", "redprop.mediation.services.deadline_sweep")

A sweep takes no argument, is idempotent (running it twice, after a crash or on
several machines is safe) and returns a count for the clock's heartbeat. Sweeps run in
registration order, which is the order of INSTALLED_APPS.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

_SWEEPS: dict[str, str] = {}


def register_sweep(name: str, dotted_path: str) -> None:
    """Register (or re-register, e.g. on a test's app reload) one sweep by its path."""
    _SWEEPS[name] = dotted_path


def sweeps() -> list[tuple[str, Callable[[], int]]]:
    out = []
    for name, path in _SWEEPS.items():
        module, _dot, attr = path.rpartition(".")
        out.append((name, getattr(import_module(module), attr)))
    return out


def run_all() -> dict[str, int]:
    """Run every registered sweep once: name → its count."""
    return {name: int(fn() or 0) for name, fn in sweeps()}
