"""The request workflow's actions: one table (on ``core.workflow``) that the services,
the API routes and the pages' "what can I do now" all read, so each guard is written once.

Each action is one service (``services.request_<service>``), the states it starts from,
the states it may lead to (edges of ``choices.TRANSITIONS``), and who may take it as
relationships (``permissions.is_*``). A relationship may be limited to fewer states
(the reporter cancels only before a unit accepts). ``tests/test_permission_matrix.py``
checks that every edge of ``TRANSITIONS`` belongs to an action here and probes every
action from every state it starts from, for every role, scope and relationship,
through the API and the pages.
"""

from __future__ import annotations

from typing import Any

from redprop.core.workflow import Action, Workflow, action
from redprop.requests import permissions
from redprop.requests.choices import TRANSITIONS, Status
from redprop.requests.errors import RequestError

S = Status

# Relationship name → its check. The order is the order the page groups actions by.
RELATIONSHIPS = {
    "handler": permissions.is_handler,
    "dispatcher": permissions.is_dispatcher,
    "reporter": permissions.is_reporter,
}

_WORKING = frozenset({S.ACCEPTED, S.ON_SITE, S.PLAN_REQUIRED, S.PLAN_SUBMITTED})
_BEFORE_ACCEPTANCE = frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED})
_DISPATCHABLE = frozenset({S.SUBMITTED, S.DISPATCHED, S.RETURNED, S.ESCALATED})

_a = action

WORKFLOW: Workflow[Any] = Workflow(
    "requests",
    [
        _a("dispatch", _DISPATCHABLE | {S.REOPENED}, {S.DISPATCHED}, dispatcher=None),
        _a("accept", {S.DISPATCHED, S.REOPENED}, {S.ACCEPTED}, handler=None),
        _a("return", {S.DISPATCHED, S.ACCEPTED}, {S.RETURNED}, handler=None),
        _a("arrive", {S.ACCEPTED}, {S.ON_SITE}, handler=None),
        _a("require_plan", {S.ACCEPTED, S.ON_SITE}, {S.PLAN_REQUIRED}, handler=None),
        _a("submit_plan", {S.PLAN_REQUIRED}, {S.PLAN_SUBMITTED}, handler=None),
        _a("pause", _WORKING, {S.WAITING_ON_RESIDENT}, handler=None),
        _a("resume", {S.WAITING_ON_RESIDENT}, _WORKING, handler=None),
        _a("resolve", {S.ACCEPTED, S.ON_SITE, S.PLAN_SUBMITTED}, {S.RESOLVED}, handler=None),
        # Staff never rate: the rates judge them.
        _a("rate", {S.RESOLVED}, {S.RATED}, staff_never=True, reporter=None),
        _a("revisit", {S.RESOLVED}, {S.RATED}, dispatcher=None),
        _a(
            "reopen",
            {S.RESOLVED, S.RATED},
            {S.REOPENED},
            offered_if=lambda r: r.reopen_count < int((r.sla or {}).get("max_reopens", 2)),
            reporter=None,
            dispatcher=None,
        ),
        _a("close", {S.RESOLVED, S.RATED}, {S.CLOSED}, dispatcher=None),
        _a("cancel", _DISPATCHABLE, {S.CANCELLED}, dispatcher=None, reporter=_BEFORE_ACCEPTANCE),
        _a("merge", _DISPATCHABLE, {S.MERGED}, dispatcher=None),
        # The unit escalates while the order is with it (not once it handed it back).
        _a(
            "escalate",
            _BEFORE_ACCEPTANCE | _WORKING | {S.REOPENED},
            {S.ESCALATED},
            dispatcher=None,
            handler=_WORKING | {S.DISPATCHED, S.REOPENED},
        ),
    ],
    RELATIONSHIPS,
    states=Status,
    transitions=TRANSITIONS,
    is_staff=permissions.is_staff,
    conflict_code=RequestError.INVALID_TRANSITION,
)

ACTIONS: dict[str, Action] = WORKFLOW.actions


def edges() -> set[tuple[str, str]]:
    """Every (from, to) edge the actions cover."""
    return WORKFLOW.edges()


def transition_edges() -> set[tuple[str, str]]:
    """Every (from, to) edge of ``choices.TRANSITIONS``."""
    return {(s, t) for s, targets in TRANSITIONS.items() for t in targets}


def available(user: Any, request: Any) -> dict[str, set[str]]:
    """Action name → the relationships in which ``user`` may take it now."""
    return WORKFLOW.available(user, request)
