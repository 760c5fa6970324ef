"""Warnings that apps add to /healthz (core imports no app; apps register here).

A check returns ``None`` when all is well, else a dict that /healthz shows under
the check's name and lists in ``warnings``. A warning never turns /healthz into a
503: it asks an operator to act (e.g. load next year's holidays), the service
still works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Check = Callable[[], dict[str, Any] | None]

_checks: dict[str, Check] = {}


def register(name: str, check: Check) -> None:
    _checks[name] = check


def warnings() -> dict[str, dict[str, Any]]:
    out = {}
    for name, check in _checks.items():
        result = check()
        if result is not None:
            out[name] = result
    return out
