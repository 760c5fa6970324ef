"""The two workflows of party building on the shared action table (core.workflow).

Branch proposal::

    待审批 ──approve──▶ 已批准成立 (a PartyOrg branch)
       └────reject───▶ 未批准

Supervision of a company's decision::

    待出具意见 ──opine──▶ 已出具意见 ──close──▶ 已办结
         └──withdraw──▶ 已撤回

The committee gives the opinion; the company withdraws before it or closes after it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from redprop.core.workflow import Workflow, action
from redprop.party import permissions
from redprop.party.choices import (
    PROPOSAL_TRANSITIONS,
    SUPERVISION_TRANSITIONS,
    ProposalStatus,
    SupervisionStatus,
)
from redprop.party.errors import PartyError

P = ProposalStatus
S = SupervisionStatus

RELATIONSHIPS = {
    "company": permissions.is_company,
    "committee": permissions.is_committee,
}

PROPOSALS: Workflow[Any] = Workflow(
    "party_proposals",
    [
        action("approve", {P.PROPOSED}, {P.APPROVED}, verb=_("批准成立"), committee=None),
        action(
            "reject", {P.PROPOSED}, {P.REJECTED}, verb=_("不批准"), input="reason", committee=None
        ),
    ],
    RELATIONSHIPS,
    states=ProposalStatus,
    transitions=PROPOSAL_TRANSITIONS,
    conflict_code=PartyError.INVALID_TRANSITION,
)

SUPERVISION: Workflow[Any] = Workflow(
    "party_supervision",
    [
        action(
            "opine",
            {S.SUBMITTED},
            {S.ANSWERED},
            verb=_("出具意见"),
            input="opinion",
            committee=None,
        ),
        action("withdraw", {S.SUBMITTED}, {S.WITHDRAWN}, verb=_("撤回"), company=None),
        action("close", {S.ANSWERED}, {S.CLOSED}, verb=_("办结"), input="note", company=None),
    ],
    RELATIONSHIPS,
    states=SupervisionStatus,
    transitions=SUPERVISION_TRANSITIONS,
    conflict_code=PartyError.INVALID_TRANSITION,
)
