"""The request workflow's actions: one table that the services, the API routes and the
pages' "what can I do now" all read, so each guard is written once.

Each action is one service (``services.request_<service>``), the states it starts from,
the states it may lead to (edges of ``choices.TRANSITIONS``), and who may take it as
relationships (``permissions.is_*``). A relationship may be limited to fewer states
(the reporter cancels only before a unit accepts). ``tests/test_permission_matrix.py``
checks that every edge of ``TRANSITIONS`` belongs to an action here and probes every
action from every state it starts from, for every role, scope and relationship,
through the API and the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redprop.requests import permissions
from redprop.requests.choices import TRANSITIONS, Status

S = Status

# Relationship name → its check. The order is the order the page groups actions by.
RELATIONSHIPS: dict[str, Callable[[Any, Any], bool]] = {
    "handler": permissions.is_handler,
    "dispatcher": permissions.is_dispatcher,
    "reporter": permissions.is_reporter,
}

_WORKING = frozenset({S.ACCEPTED, S.ON_SITE, S.PLAN_REQUIRED, S.PLAN_SUBMITTED})
_BEFORE_ACCEPTANCE = frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED})
_DISPATCHABLE = frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.ESCALATED})


@dataclass(frozen=True)
class Action:
    """One step on a request.

    ``who`` maps each relationship that may take it to the states it may take it in
    (``None``: every state in ``sources``). ``staff_never``: a person with any staff
    role over the request may not take it even in that relationship (staff never
    rate: the rates judge them).
    """

    name: str
    service: str
    sources: frozenset[str]
    targets: frozenset[str]
    who: dict[str, frozenset[str] | None] = field(default_factory=dict)
    staff_never: bool = False
    # A rule of the request itself that the service answers with its own error (the
    # reopen limit: 409 reopen_limit); the page does not offer the step while it fails.
    offered_if: Callable[[Any], bool] | None = None

    def relationships(self, user: Any, request: Any) -> set[str]:
        """The relationships in which ``user`` may take this action on ``request`` in its
        current state (empty: may not). Checks no transition rule beyond ``sources``."""
        if request.status not in self.sources:
            return set()
        out = {
            rel
            for rel, states in self.who.items()
            if (states is None or request.status in states) and RELATIONSHIPS[rel](user, request)
        }
        if out and self.staff_never and permissions.is_staff(user, request):
            return set()
        return out

    def allowed(self, user: Any, request: Any) -> bool:
        return bool(self.relationships(user, request))

    def related(self, user: Any, request: Any) -> bool:
        """Whether ``user`` holds a relationship that may take this action in *some*
        state (refused now only because of the state: 409, not 403)."""
        if self.staff_never and permissions.is_staff(user, request):
            return False
        return any(RELATIONSHIPS[rel](user, request) for rel in self.who)


def _a(
    name: str,
    sources: frozenset[str] | set[str],
    targets: set[str],
    service: str | None = None,
    **who: frozenset[str] | None,
) -> Action:
    return Action(
        name=name,
        service=service or name,
        sources=frozenset(sources),
        targets=frozenset(targets),
        who=dict(who),
    )


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _a(
            "dispatch",
            _DISPATCHABLE | {S.REOPENED},
            {S.DISPATCHED},
            dispatcher=None,
        ),
        _a("accept", {S.DISPATCHED, S.REOPENED}, {S.ACCEPTED}, handler=None),
        _a("return", {S.DISPATCHED, S.ACCEPTED}, {S.RETURNED}, handler=None),
        _a("arrive", {S.ACCEPTED}, {S.ON_SITE}, handler=None),
        _a("require_plan", {S.ACCEPTED, S.ON_SITE}, {S.PLAN_REQUIRED}, handler=None),
        _a("submit_plan", {S.PLAN_REQUIRED}, {S.PLAN_SUBMITTED}, handler=None),
        _a("pause", _WORKING, {S.WAITING_ON_RESIDENT}, handler=None),
        _a("resume", {S.WAITING_ON_RESIDENT}, set(_WORKING), handler=None),
        _a("resolve", {S.ACCEPTED, S.ON_SITE, S.PLAN_SUBMITTED}, {S.RESOLVED}, handler=None),
        Action(
            name="rate",
            service="rate",
            sources=frozenset({S.RESOLVED}),
            targets=frozenset({S.RATED}),
            who={"reporter": None},
            staff_never=True,
        ),
        _a("revisit", {S.RESOLVED}, {S.RATED}, dispatcher=None),
        Action(
            name="reopen",
            service="reopen",
            sources=frozenset({S.RESOLVED, S.RATED}),
            targets=frozenset({S.REOPENED}),
            who={"reporter": None, "dispatcher": None},
            offered_if=lambda r: r.reopen_count < int((r.sla or {}).get("max_reopens", 2)),
        ),
        _a("close", {S.RESOLVED, S.RATED}, {S.CLOSED}, dispatcher=None),
        _a(
            "cancel",
            _DISPATCHABLE,
            {S.CANCELLED},
            dispatcher=None,
            reporter=_BEFORE_ACCEPTANCE,
        ),
        _a("merge", _DISPATCHABLE, {S.MERGED}, dispatcher=None),
        # The unit escalates while the order is with it (not once it handed it back).
        _a(
            "escalate",
            _BEFORE_ACCEPTANCE | _WORKING | {S.REOPENED},
            {S.ESCALATED},
            dispatcher=None,
            handler=_WORKING | {S.DISPATCHED, S.REOPENED},
        ),
    ]
}


def edges() -> set[tuple[str, str]]:
    """Every (from, to) edge the actions cover."""
    return {(s, t) for a in ACTIONS.values() for s in a.sources for t in a.targets}


def transition_edges() -> set[tuple[str, str]]:
    """Every (from, to) edge of ``choices.TRANSITIONS``."""
    return {(s, t) for s, targets in TRANSITIONS.items() for t in targets}


def available(user: Any, request: Any) -> dict[str, set[str]]:
    """Action name → the relationships in which ``user`` may take it now."""
    out = {}
    for action in ACTIONS.values():
        rels = action.relationships(user, request)
        if rels and (action.offered_if is None or action.offered_if(request)):
            out[action.name] = rels
    return out
