"""Every write of mediation cases and petitions (调解与信访).

Each service is atomic (nothing is written on error), takes ``acting_user``, records a
timeline event (``CaseEvent``) and, for administrative acts, an audit row; the
notifications go through the outbox in the same transaction. State changes run through
``workflow.WORKFLOW.step`` (lock, 404 outside what the user sees, 403, 409).

The services are split by concern (``intake``, ``sessions``, ``outcomes``, ``deadlines``,
``satisfaction``, their shared helpers in ``service_helpers``) and re-exported here, so
callers keep ``from redprop.mediation import services``.
"""

from redprop.mediation.deadlines import (
    ESCALATION_ROLES,
    case_deadline_check,
    case_extend,
    deadline_sweep,
)
from redprop.mediation.intake import (
    case_accept,
    case_assign,
    case_file_open,
    case_from_request,
    case_open,
)
from redprop.mediation.outcomes import (
    case_agree,
    case_answer,
    case_decline,
    case_follow_up,
    case_refer,
    case_sign,
    case_withdraw,
)
from redprop.mediation.satisfaction import case_rate
from redprop.mediation.service_helpers import (
    LONG_MAX,
    MAX_MEDIATORS,
    MAX_PARTIES,
    MAX_SIGNATURES,
    NOTE_MAX,
    SUMMARY_MAX,
    E,
)
from redprop.mediation.sessions import case_session

__all__ = [
    "ESCALATION_ROLES",
    "LONG_MAX",
    "MAX_MEDIATORS",
    "MAX_PARTIES",
    "MAX_SIGNATURES",
    "NOTE_MAX",
    "SUMMARY_MAX",
    "E",
    "case_accept",
    "case_agree",
    "case_answer",
    "case_assign",
    "case_deadline_check",
    "case_decline",
    "case_extend",
    "case_file_open",
    "case_follow_up",
    "case_from_request",
    "case_open",
    "case_rate",
    "case_refer",
    "case_session",
    "case_sign",
    "case_withdraw",
    "deadline_sweep",
]
