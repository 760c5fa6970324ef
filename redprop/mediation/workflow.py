"""The case workflow's actions: one table on ``core.workflow`` that the services, the
API and the pages' "what can I do now" read (docs/subsystems/mediation.md).

Each row is one service ``services.case_<service>``, the states it starts from and may
lead to (edges of ``choices.TRANSITIONS``), and who may take it. Steps that record
something without moving the case (a session in 调解中, a signature, a rating, an
extension, a mediator) lead back to the same state.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Action, Workflow, action
from redprop.mediation import permissions
from redprop.mediation.choices import RATEABLE_STATES, TRANSITIONS, CaseKind, Status
from redprop.mediation.errors import MediationError

S = Status

RELATIONSHIPS = {
    "mediator": permissions.is_mediator,
    "supervisor": permissions.is_supervisor,
    "applicant": permissions.is_applicant,
    "party": permissions.is_party,
}

_WORKING = frozenset({S.ACCEPTED, S.MEDIATING})
_OPEN_BEFORE_OUTCOME = frozenset({S.REGISTERED, S.ACCEPTED, S.MEDIATING})

_a = action

WORKFLOW: Workflow[Any] = Workflow(
    "mediation",
    [
        _a(
            "assign",
            _OPEN_BEFORE_OUTCOME,
            _OPEN_BEFORE_OUTCOME,
            supervisor=None,
            verb=_("指定调解员"),
        ),
        _a("accept", {S.REGISTERED}, {S.ACCEPTED}, supervisor=None, mediator=None, verb=_("受理")),
        _a("decline", {S.REGISTERED}, {S.DECLINED}, supervisor=None, verb=_("不予受理")),
        _a(
            "session",
            _WORKING,
            {S.MEDIATING},
            mediator=None,
            supervisor=None,
            verb=_("记录调解会"),
            offered_if=lambda c: c.kind == CaseKind.DISPUTE,
        ),
        _a(
            "agree",
            {S.MEDIATING},
            {S.AGREED},
            mediator=None,
            supervisor=None,
            verb=_("达成调解协议"),
            offered_if=lambda c: c.kind == CaseKind.DISPUTE,
        ),
        _a("sign", {S.AGREED}, {S.AGREED}, mediator=None, supervisor=None, verb=_("上传签字")),
        _a(
            "follow_up",
            {S.AGREED},
            {S.CLOSED, S.MEDIATING},
            mediator=None,
            supervisor=None,
            verb=_("回访履行情况"),
        ),
        _a(
            "answer", _WORKING, {S.ANSWERED}, mediator=None, supervisor=None, verb=_("出具答复意见")
        ),
        _a(
            "refer",
            _WORKING,
            {S.REFERRED},
            mediator=None,
            supervisor=None,
            verb=_("调解不成，移交"),
        ),
        _a(
            "withdraw",
            _OPEN_BEFORE_OUTCOME,
            {S.WITHDRAWN},
            applicant=None,
            mediator=None,
            supervisor=None,
            verb=_("撤回"),
        ),
        # The 负责人 approves an extension: the supervising roles, not the mediator.
        _a(
            "extend",
            _WORKING,
            _WORKING,
            supervisor=None,
            verb=_("延长办理期限"),
            offered_if=lambda c: not c.extended_days,
        ),
        # Staff never rate: the satisfaction judges them.
        _a("rate", RATEABLE_STATES, RATEABLE_STATES, party=None, staff_never=True, verb=_("评价")),
    ],
    RELATIONSHIPS,
    states=Status,
    is_staff=permissions.is_staff,
    conflict_code=MediationError.INVALID_TRANSITION,
)

ACTIONS: dict[str, Action] = WORKFLOW.actions

# Steps that record something and leave the case where it is (the state map's loops):
# their "targets" are the states they keep, not a product of sources and targets.
SELF_LOOPS = frozenset({"assign", "sign", "extend", "rate"})


def edges() -> set[tuple[str, str]]:
    """Every (from, to) edge the actions cover (a loop only to itself)."""
    out: set[tuple[str, str]] = set()
    for a in ACTIONS.values():
        if a.name in SELF_LOOPS:
            out |= {(s, s) for s in a.sources}
        else:
            out |= {(s, t) for s in a.sources for t in a.targets}
    return out


def transition_edges() -> set[tuple[str, str]]:
    return {(s, t) for s, targets in TRANSITIONS.items() for t in targets}


def available(user: Any, case: Any) -> dict[str, set[str]]:
    """What ``user`` may do now; a party who has rated is not offered "rate" again (the
    service answers ``already_rated``)."""
    out = WORKFLOW.available(user, case)
    if "rate" in out:
        party = permissions.party_of(user, case)
        if party is None or party.satisfaction is not None:
            out.pop("rate")
    return out
