"""The one scope mechanism: what part of the world a role may see.

A ``Scope`` is a node of the territory tree (city, district, street, community,
grid), an organisation (a property company or co-building unit sees the objects
that concern it) or a resident (a person sees their own household and requests).
``ScopedModel`` rows carry one indexed column per territory level, so a territory
scope is one equality. A user's roles give a ``ScopeSet``; a selector applies it
first, and an empty set matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from redprop.core.models import ScopedModel

TERRITORY_LEVELS = ("city", "district", "street", "community", "grid")
KINDS = (*TERRITORY_LEVELS, "org", "resident", "all")

M = TypeVar("M", bound=models.Model)

# Conditions that match no row and every row. ``Q()`` means "no condition" and vanishes
# in ``Q() | Q(x=1)`` (== ``Q(x=1)``), so it cannot stand for "everything" in a union.
NOTHING = Q(pk__in=[])
EVERYTHING = ~Q(pk__in=[])


@dataclass(frozen=True)
class Scope:
    kind: str
    node_id: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown scope kind {self.kind!r}")

    @property
    def is_territory(self) -> bool:
        return self.kind in TERRITORY_LEVELS

    def q_for(self, model: type[ScopedModel] | type[models.Model], prefix: str = "") -> Q:
        """The condition that keeps ``model`` rows inside this scope.

        ``prefix`` reaches a scoped model through a relation (``"request__"``).
        """
        if self.kind == "all":
            return Q()
        if self.is_territory:
            return Q(**{f"{prefix}{self.kind}_id": self.node_id})
        hook = "org_scope_q" if self.kind == "org" else "resident_scope_q"
        q = getattr(model, hook)(self.node_id)
        if prefix:
            q = _prefix_q(q, prefix)
        return q

    def __str__(self) -> str:
        return f"{self.kind}:{self.node_id}"


def _prefix_q(q: Q, prefix: str) -> Q:
    clone = Q()
    clone.connector, clone.negated = q.connector, q.negated
    for child in q.children:  # type: ignore[union-attr]
        if isinstance(child, Q):
            clone.children.append(_prefix_q(child, prefix))
        elif isinstance(child, tuple):
            key, value = child  # type: ignore[misc]
            clone.children.append((f"{prefix}{key}", value))
        else:  # an expression (EXISTS …) refers to the outer model: cannot be re-rooted
            raise ValueError("a scope condition with an expression cannot take a prefix")
    return clone


@dataclass(frozen=True)
class ScopeSet:
    """The union of a user's scopes. Empty means: sees nothing."""

    scopes: tuple[Scope, ...] = ()

    @classmethod
    def of(cls, scopes: Iterable[Scope]) -> ScopeSet:
        return cls(tuple(dict.fromkeys(scopes)))

    def __bool__(self) -> bool:
        return bool(self.scopes)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.scopes)

    def q_for(self, model: type[models.Model], prefix: str = "") -> Q:
        """The condition for the union of the scopes, safe to combine with ``|`` and
        ``&``: "everything" is ``EVERYTHING``, not ``Q()``, which ``Q() | other`` would
        silently drop (leaving only ``other``)."""
        if not self.scopes:
            return NOTHING
        q = NOTHING
        for scope in self.scopes:
            part = scope.q_for(model, prefix)
            if not part:  # Scope.q_for's Q() = everything
                return EVERYTHING
            q |= part
        return q

    def filter(self, qs: models.QuerySet[M], prefix: str = "") -> models.QuerySet[M]:
        """Keep the rows of ``qs`` inside the scope; ``prefix`` reaches the scoped model
        through relations (``"seat_org__"``), defaulting to the model's ``scope_via``."""
        if not self.scopes:
            return qs.none()
        prefix = prefix or getattr(qs.model, "scope_via", "")
        target = _related_model(qs.model, prefix)
        q = Q(pk__in=[])
        for scope in self.scopes:
            part = scope.q_for(target, prefix)
            if not part:  # Q() = everything
                return qs
            q |= part
        qs = qs.filter(q)
        # Resident scopes follow reverse relations (households, followers): rows repeat.
        if any(s.kind == "resident" for s in self.scopes) and getattr(
            target, "resident_scope_repeats_rows", True
        ):
            qs = qs.distinct()
        return qs

    def contains(self, obj: Any, prefix: str = "") -> bool:
        """Object-level check: is this row inside the scope? One indexed query.

        Models that are neither scoped nor reach a scoped model (``scope_via``) are
        reference data (tags, categories): any authenticated scope contains them.
        """
        if obj is None or obj.pk is None:
            return False
        model = type(obj)
        if not self.scopes:
            return False
        if not (prefix or getattr(model, "scope_via", "")) and not _is_scoped(model):
            return True
        return self.filter(model._default_manager.filter(pk=obj.pk), prefix).exists()


def _related_model(model: type[models.Model], prefix: str) -> type[models.Model]:
    for name in [p for p in prefix.split("__") if p]:
        related = model._meta.get_field(name).related_model
        if related is None or isinstance(related, str):
            raise ValueError(f"{model.__name__}.{name} is not a relation")
        model = related
    return model


def _is_scoped(model: type[models.Model]) -> bool:
    return hasattr(model, "org_scope_q") and any(
        f.name == "community" for f in model._meta.get_fields()
    )


EMPTY = ScopeSet()


def scoped(qs: models.QuerySet[M], scope: Scope | ScopeSet, prefix: str = "") -> models.QuerySet[M]:
    """Apply a scope to a queryset. Every selector starts here."""
    if isinstance(scope, Scope):
        scope = ScopeSet((scope,))
    return scope.filter(qs, prefix)
