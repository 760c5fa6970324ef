"""Every write to a service request: one service per transition, by concern.

- ``intake``: filing (居民下单) and photos;
- ``dispatch``: dispatch (派单), return (退单), accept (接单), escalate (上报), cancel (撤销);
- ``handling``: on site, the written plan, pausing the clock, resolving (办结);
- ``feedback``: rating (评价), the revisit (回访), reopening (重办), closing;
- ``merge``: merging duplicates and following (一起关注);
- ``clock``: the SLA clock's checkpoints, the holiday recomputation, the auto-close.

Each transition is one row of ``workflow.WORKFLOW`` run by ``base.step``: it locks
the row, checks the actor (403) and the state (409), lets the service's body set what
the step changes, then sets the state, writes one timeline event, recomputes the SLA
clock and bumps ``version`` — all in one transaction, so either everything happened
or nothing did. ``request_act`` runs any row of the table by its name (the API routes
and the pages' forms call it). Callers import this package: ``services.request_x``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from redprop.requests import workflow
from redprop.requests.services import base
from redprop.requests.services.base import ESCALATION_TARGETS, authorize
from redprop.requests.services.base import event as record_event
from redprop.requests.services.clock import (
    auto_close_sweep,
    sla_check,
    sla_recompute_for_holidays,
    sla_sweep,
)
from redprop.requests.services.dispatch import (
    request_accept,
    request_cancel,
    request_dispatch,
    request_escalate,
    request_return,
)
from redprop.requests.services.feedback import (
    request_close,
    request_rate,
    request_reopen,
    request_revisit,
)
from redprop.requests.services.handling import (
    request_arrive,
    request_pause,
    request_require_plan,
    request_resolve,
    request_resume,
    request_submit_plan,
)
from redprop.requests.services.intake import photo_add, request_file, unknown_place
from redprop.requests.services.merge import request_follow, request_merge

if TYPE_CHECKING:
    from redprop.accounts.models import User
    from redprop.requests.models import ServiceRequest


def request_act(
    action: str,
    *,
    request: ServiceRequest,
    acting_user: User,
    expected_version: int | None = None,
    **inputs: Any,
) -> ServiceRequest:
    """Take the step ``action`` (a row of ``workflow.WORKFLOW``) through its service,
    ``request_<row.service>`` (registered by ``base.transition``), with its ``inputs``."""
    service = base.SERVICES[workflow.WORKFLOW[action].service]
    return service(
        request=request, acting_user=acting_user, expected_version=expected_version, **inputs
    )


__all__ = [
    "ESCALATION_TARGETS",
    "authorize",
    "auto_close_sweep",
    "base",
    "photo_add",
    "record_event",
    "request_accept",
    "request_act",
    "request_arrive",
    "request_cancel",
    "request_close",
    "request_dispatch",
    "request_escalate",
    "request_file",
    "request_follow",
    "request_merge",
    "request_pause",
    "request_rate",
    "request_reopen",
    "request_require_plan",
    "request_resolve",
    "request_resume",
    "request_return",
    "request_revisit",
    "request_submit_plan",
    "sla_check",
    "sla_recompute_for_holidays",
    "sla_sweep",
    "unknown_place",
]
