"""Find a place (a node of the territory tree) by its kind and id, inside a scope.

An app below ``territory`` that takes a place from its caller (``people``' API files a
person at a unit) names it by kind; ``territory`` registers the finders when it is
ready. So the lower app depends on this shape, not on territory (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redprop.core.models import Place
    from redprop.core.scope import ScopeSet

Finder = Callable[["ScopeSet", int], "Place | None"]

_FINDERS: dict[str, Finder] = {}


def register_place_finder(kind: str, finder: Finder) -> None:
    """Called by the app that owns the places (territory's ``AppConfig.ready``)."""
    _FINDERS[kind] = finder


def place_find(*, kind: str, scope: ScopeSet, pk: int) -> Place | None:
    """The place of ``kind`` with id ``pk`` if ``scope`` sees it, else None."""
    return _FINDERS[kind](scope, pk)
