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

from django.utils.translation import gettext_noop, pgettext_lazy

from redprop.core.workflow import Action, Workflow, action
from redprop.requests import permissions
from redprop.requests.choices import TRANSITIONS, EventKind, Status
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
E = EventKind


def _may_reopen(r: Any) -> bool:
    return bool(r.reopen_count < int((r.sla or {}).get("max_reopens", 2)))


# One row an action: name, from-states, to-states, who may (relationship=states or None
# for all), the verb of its 409 message, the timeline event it records, the input it
# takes (the API's body and the form's fields: "" none, "reason", "note", or an input of
# its own, see api.INPUTS and web.forms) and its URL segment when not the name.
WORKFLOW: Workflow[Any] = Workflow(
    "requests",
    [
        _a(
            "dispatch",
            _DISPATCHABLE | {S.REOPENED},
            {S.DISPATCHED},
            verb=pgettext_lazy("verb", "派单"),
            event=E.DISPATCHED,
            input="dispatch",
            dispatcher=None,
        ),
        _a(
            "accept",
            {S.DISPATCHED, S.REOPENED},
            {S.ACCEPTED},
            verb=pgettext_lazy("verb", "接单"),
            event=E.ACCEPTED,
            handler=None,
        ),
        _a(
            "return",
            {S.DISPATCHED, S.ACCEPTED},
            {S.RETURNED},
            verb=pgettext_lazy("verb", "退单"),
            event=E.RETURNED,
            input="reason",
            handler=None,
        ),
        _a(
            "arrive",
            {S.ACCEPTED},
            {S.ON_SITE},
            verb=pgettext_lazy("verb", "登记到场"),
            event=E.ARRIVED,
            handler=None,
        ),
        _a(
            "require_plan",
            {S.ACCEPTED, S.ON_SITE},
            {S.PLAN_REQUIRED},
            verb=pgettext_lazy("verb", "转为出具方案"),
            event=E.PLAN_REQUIRED,
            input="reason",
            handler=None,
        ),
        _a(
            "submit_plan",
            {S.PLAN_REQUIRED},
            {S.PLAN_SUBMITTED},
            verb=pgettext_lazy("verb", "提交方案"),
            event=E.PLAN_SUBMITTED,
            input="plan",
            path="plan",
            handler=None,
        ),
        _a(
            "pause",
            _WORKING,
            {S.WAITING_ON_RESIDENT},
            verb=pgettext_lazy("verb", "暂停计时"),
            event=E.PAUSED,
            input="reason",
            handler=None,
        ),
        _a(
            "resume",
            {S.WAITING_ON_RESIDENT},
            _WORKING,
            verb=pgettext_lazy("verb", "恢复计时"),
            event=E.RESUMED,
            handler=None,
        ),
        _a(
            "resolve",
            {S.ACCEPTED, S.ON_SITE, S.PLAN_SUBMITTED},
            {S.RESOLVED},
            verb=pgettext_lazy("verb", "办结"),
            event=E.RESOLVED,
            input="note",
            handler=None,
        ),
        # Staff never rate: the rates judge them.
        _a(
            "rate",
            {S.RESOLVED},
            {S.RATED},
            staff_never=True,
            verb=pgettext_lazy("verb", "评价"),
            event=E.RATED,
            input="rate",
            reporter=None,
        ),
        # The 409 of a revisit says "评价" as it always did: it leads to RATED.
        _a(
            "revisit",
            {S.RESOLVED},
            {S.RATED},
            verb=pgettext_lazy("verb", "评价"),
            event=E.REVISITED,
            input="revisit",
            dispatcher=None,
        ),
        _a(
            "reopen",
            {S.RESOLVED, S.RATED},
            {S.REOPENED},
            offered_if=_may_reopen,
            verb=pgettext_lazy("verb", "重新办理"),
            event=E.REOPENED,
            input="reason",
            reporter=None,
            dispatcher=None,
        ),
        _a(
            "close",
            {S.RESOLVED, S.RATED},
            {S.CLOSED},
            verb=pgettext_lazy("verb", "关闭"),
            event=E.CLOSED,
            input="note",
            dispatcher=None,
        ),
        _a(
            "cancel",
            _DISPATCHABLE,
            {S.CANCELLED},
            verb=pgettext_lazy("verb", "撤销"),
            event=E.CANCELLED,
            input="reason",
            dispatcher=None,
            reporter=_BEFORE_ACCEPTANCE,
        ),
        _a(
            "merge",
            _DISPATCHABLE,
            {S.MERGED},
            verb=pgettext_lazy("verb", "合并"),
            event=E.MERGED,
            input="merge",
            dispatcher=None,
        ),
        # The unit escalates while the order is with it (not once it handed it back).
        _a(
            "escalate",
            _BEFORE_ACCEPTANCE | _WORKING | {S.REOPENED},
            {S.ESCALATED},
            verb=pgettext_lazy("verb", "上报"),
            event=E.ESCALATED,
            input="reason",
            dispatcher=None,
            handler=_WORKING | {S.DISPATCHED, S.REOPENED},
        ),
    ],
    RELATIONSHIPS,
    states=Status,
    transitions=TRANSITIONS,
    is_staff=permissions.is_staff,
    conflict_code=RequestError.INVALID_TRANSITION,
    conflict_message=gettext_noop("诉求当前状态为“%(status)s”，不能%(verb)s"),
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
