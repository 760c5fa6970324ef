"""The shared shape of every workflow: one table of actions, one runner.

A workflow (service requests, meetings, votes, ratings, cases, campaign items…) is a
set of states and a table of :class:`Action` rows. Each row says which states the
action starts from, which it may lead to, and who may take it, as *relationships*
between the acting user and the object ("reporter", "handler", "convener", "mediator",
"owner"…), each a named check ``(user, obj) -> bool`` the app writes once.

Everything else reads the table:

- the services ask :meth:`Workflow.authorize` (403: no relationship that may ever take
  it) and :meth:`Workflow.guard` (409: not from this state) — or run the whole step
  with :meth:`Workflow.step`, which also locks the row and sets the new state;
- the pages ask :meth:`Workflow.available` for "what can I do now";
- the API routes and the forms are generated from, or checked against, the rows;
- the permission-matrix tests walk :attr:`Workflow.actions` and probe every action from
  every state for every relationship.

Adding a transition touches the table and the one service that does its work.
See docs/architecture.md, "Workflows".
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from redprop.core.errors import Conflict, ErrorCode, NotFound, PermissionDenied

Obj = TypeVar("Obj", bound=models.Model)
M = TypeVar("M", bound=models.Model)
Check = Callable[[Any, Any], bool]


@dataclass(frozen=True)
class Action:
    """One step of a workflow.

    ``who`` maps each relationship that may take it to the states it may take it in
    (``None``: every state in ``sources``). ``staff_never``: a user whom the workflow's
    ``is_staff`` check calls staff may not take it even in that relationship (staff
    never rate the service they are judged by). ``offered_if``: a rule of the object
    itself that the service answers with its own error; the pages do not offer the step
    while it fails. ``verb`` is what the pages' button says; ``event`` the timeline kind
    the step records (the app's own vocabulary; empty: the action's name). ``input`` names
    the input the step takes (the app's vocabulary, e.g. "reason", "note"; empty: none):
    the API and the forms pick their adapter by it. ``path`` is the step's URL segment
    (empty: the name with ``-`` for ``_``).
    """

    name: str
    sources: frozenset[str]
    targets: frozenset[str]
    who: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    service: str = ""
    staff_never: bool = False
    offered_if: Callable[[Any], bool] | None = None
    verb: Any = ""
    event: str = ""
    input: str = ""
    path: str = ""

    def __post_init__(self) -> None:
        if not self.service:
            object.__setattr__(self, "service", self.name)
        if not self.event:
            object.__setattr__(self, "event", self.name)
        if not self.path:
            object.__setattr__(self, "path", self.name.replace("_", "-"))


def action(
    name: str,
    sources: Iterable[str],
    targets: Iterable[str],
    *,
    service: str = "",
    staff_never: bool = False,
    offered_if: Callable[[Any], bool] | None = None,
    verb: Any = "",
    event: str = "",
    input: str = "",
    path: str = "",
    **who: Iterable[str] | None,
) -> Action:
    """A table row: ``action("accept", {DISPATCHED}, {ACCEPTED}, handler=None)``."""
    return Action(
        name=name,
        sources=frozenset(sources),
        targets=frozenset(targets),
        who={rel: (None if states is None else frozenset(states)) for rel, states in who.items()},
        service=service,
        staff_never=staff_never,
        offered_if=offered_if,
        verb=verb,
        event=event,
        input=input,
        path=path,
    )


class Workflow(Generic[Obj]):
    """A table of actions over one model's state field, with the relationship checks.

    ``transitions`` (optional) is the state map the model documents; when given,
    :meth:`check` verifies that the table covers exactly its edges.
    """

    def __init__(
        self,
        name: str,
        actions: Iterable[Action],
        relationships: Mapping[str, Check],
        *,
        state_field: str = "status",
        states: type[enum.Enum] | None = None,
        transitions: Mapping[str, Iterable[str]] | None = None,
        is_staff: Check | None = None,
        conflict_code: str | enum.Enum = ErrorCode.CONFLICT,
        conflict_message: str | None = None,
    ) -> None:
        self.name = name
        self.actions: dict[str, Action] = {a.name: a for a in actions}
        self.relationships = dict(relationships)
        self.state_field = state_field
        self.states = states
        self.transitions = (
            {s: frozenset(t) for s, t in transitions.items()} if transitions is not None else None
        )
        self.is_staff = is_staff
        self.conflict_code = conflict_code
        # "%(status)s" and "%(verb)s" are filled in; translated when raised.
        self.conflict_message = conflict_message
        unknown = {rel for a in self.actions.values() for rel in a.who} - set(self.relationships)
        if unknown:
            raise ValueError(f"{name}: actions name unknown relationships {sorted(unknown)}")

    # -- reading the table ------------------------------------------------------------

    def __getitem__(self, name: str) -> Action:
        return self.actions[name]

    def state_of(self, obj: Any) -> str:
        return str(getattr(obj, self.state_field))

    def state_label(self, state: str) -> str:
        if self.states is not None:
            try:
                return str(self.states(state).label)  # type: ignore[attr-defined]
            except (ValueError, AttributeError):
                pass
        return state

    def relationships_for(self, action: Action | str, user: Any, obj: Any) -> set[str]:
        """The relationships in which ``user`` may take ``action`` on ``obj`` in its
        current state (empty: may not)."""
        a = self.actions[action] if isinstance(action, str) else action
        state = self.state_of(obj)
        if state not in a.sources:
            return set()
        out = {
            rel
            for rel, states in a.who.items()
            if (states is None or state in states) and self.relationships[rel](user, obj)
        }
        if out and a.staff_never and self.is_staff is not None and self.is_staff(user, obj):
            return set()
        return out

    def allowed(self, action: Action | str, user: Any, obj: Any) -> bool:
        return bool(self.relationships_for(action, user, obj))

    def related(self, action: Action | str, user: Any, obj: Any) -> bool:
        """Whether ``user`` holds a relationship that may take ``action`` in *some* state
        (refused now only because of the state: 409, not 403)."""
        a = self.actions[action] if isinstance(action, str) else action
        if a.staff_never and self.is_staff is not None and self.is_staff(user, obj):
            return False
        return any(self.relationships[rel](user, obj) for rel in a.who)

    def available(self, user: Any, obj: Any) -> dict[str, set[str]]:
        """Action name → the relationships in which ``user`` may take it now."""
        out = {}
        for a in self.actions.values():
            rels = self.relationships_for(a, user, obj)
            if rels and (a.offered_if is None or a.offered_if(obj)):
                out[a.name] = rels
        return out

    def edges(self) -> set[tuple[str, str]]:
        """Every (from, to) edge the actions cover."""
        return {(s, t) for a in self.actions.values() for s in a.sources for t in a.targets}

    def check(self) -> list[str]:
        """What is wrong with the table (empty: nothing): edges of ``transitions`` no action
        covers, or actions leading where the map does not allow."""
        if self.transitions is None:
            return []
        mapped = {(s, t) for s, ts in self.transitions.items() for t in ts}
        problems = [f"no action for {s} → {t}" for s, t in sorted(mapped - self.edges())]
        problems += [
            f"action edge {s} → {t} not in the map" for s, t in sorted(self.edges() - mapped)
        ]
        return problems

    # -- enforcing it -----------------------------------------------------------------

    def authorize(self, action: str, user: Any, obj: Any, message: str | None = None) -> None:
        """403 unless ``user`` holds a relationship that may take ``action``."""
        if not self.related(action, user, obj):
            raise PermissionDenied(message)

    def guard(self, action: str, user: Any, obj: Any, *, to: str | None = None) -> None:
        """409 unless the state allows the step: the map (if any), then the action's own
        states for the user's relationship. ``user=None`` is the system itself (a clock
        closing what nobody rated): no relationship is asked, only the states."""
        a = self.actions[action]
        state = self.state_of(obj)
        if user is None:
            ok = (to is None or to in a.targets) and state in a.sources
        else:
            ok = (to is None or to in a.targets) and self.allowed(a, user, obj)
        if ok and to is not None and self.transitions is not None:
            ok = to in self.transitions.get(state, frozenset())
        if not ok:
            message = (
                _(self.conflict_message)
                if self.conflict_message
                else _("当前状态为“%(status)s”，不能%(verb)s")
            )
            raise Conflict(
                self.conflict_code,
                message % {"status": self.state_label(state), "verb": a.verb or _("执行此操作")},
            )

    @contextmanager
    def step(
        self,
        action: str,
        user: Any,
        queryset: models.QuerySet[M],
        pk: Any,
        *,
        to: str | None = None,
        update_fields: Iterable[str] = (),
    ) -> Iterator[M]:
        """Run one step: in a transaction, lock the row, authorize (403), guard (409),
        hand the object to the body, then set the state to ``to`` (when given) and save
        ``update_fields`` plus the state. The body records the timeline event and the
        notifications; an error anywhere rolls everything back.

        ``queryset`` is what the user may see (their scope): a row outside it is a 404.
        """
        a = self.actions[action]
        if to is None and len(a.targets) == 1:
            (to,) = a.targets
        with transaction.atomic():
            # Lock the row itself only: a queryset that follows a nullable relation
            # (select_related) cannot lock the outer join's side on PostgreSQL.
            obj = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
            if obj is None:
                raise NotFound()
            self.authorize(action, user, obj)
            self.guard(action, user, obj, to=to)
            yield obj
            fields = set(update_fields)
            if to is not None:
                setattr(obj, self.state_field, to)
                fields.add(self.state_field)
            if fields:
                if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
                    fields.add("updated_at")
                obj.save(update_fields=sorted(fields))
