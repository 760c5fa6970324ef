"""Dispatch (社区发单) and the steps that move an order between the community and a
unit: dispatch, return (退单), accept (接单), escalate (上报) and cancel (撤销)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError, Conflict
from redprop.notifications.texts import Text
from redprop.requests import permissions, policies, stats, workflow
from redprop.requests.choices import Status
from redprop.requests.errors import RequestError
from redprop.requests.models import ServiceRequest
from redprop.requests.services.base import (
    community_staff,
    escalation_targets,
    guard,
    handlers,
    mark_responded,
    notify,
    reason_of,
    step,
    transition,
    withdraw_if_unanswered,
)

if TYPE_CHECKING:
    from redprop.accounts.models import User
    from redprop.orgs.models import Org


def set_dispatch(
    request: ServiceRequest, *, org: Org, assignee: User | None, mode: str, at: dt.datetime
) -> None:
    """Set the dispatch on ``request``: the unit, the assignee (the named one, else the
    policy's pick) and the clock's start. Shared by the intake and ``request_dispatch``;
    each records its own DISPATCHED event."""
    request.status = Status.DISPATCHED
    request.handling_org = org
    request.assignee = assignee or policies.assignee_for(request=request, org=org, mode=mode)
    if request.clock_started_at is None:
        request.clock_started_at = at


def notify_dispatched(request: ServiceRequest, *, at: dt.datetime | None = None) -> None:
    notify(
        request,
        "dispatched",
        Text(gettext_noop("新派单 %(number)s"), {"number": request.number}),
        f"{request.category.name}：{request.description[:60]}",
        handlers(request),
        at=at,
    )


def _check_unit(request: ServiceRequest, org: Org | None, assignee: User | None) -> Org:
    if org is None:
        raise ApplicationError(RequestError.NO_HANDLER, _("请选择承办单位"), field="org_id")
    if not policies.dispatch_units(request=request).filter(pk=org.pk).exists():
        # A unit that does not serve the request's place (another street's company):
        # refused exactly as an id that does not exist (test_permission_matrix).
        raise ApplicationError(RequestError.NO_HANDLER, _("承办单位不存在"), field="org_id")
    if (
        assignee is not None
        and not policies.eligible_assignees(request=request, org=org)
        .filter(user_id=assignee.pk)
        .exists()
    ):
        # Whoever is named may then act on the order (can_handle): only the unit's own
        # people of this community, as the console lists them.
        raise ApplicationError(
            RequestError.INVALID_ASSIGNEE,
            _("该人员不属于所选承办单位或已停用，请重新选择"),
            field="assignee_id",
        )
    return org


@transition
@transaction.atomic
def request_dispatch(
    *,
    request: ServiceRequest,
    org: Org | None,
    acting_user: User,
    assignee: User | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """社区发单: send the request to a responsible unit and start its SLA clock."""
    with step(
        "dispatch",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有社区或街道工作人员可以派单"),
    ) as s:
        request = s.request
        unit = _check_unit(request, org, assignee)
        route = policies.route_for(
            category=request.category, place=request, compound=request.compound
        )
        mode = route.assignment if route.org and route.org.pk == unit.pk else "grid_worker"
        previous_org = request.handling_org_id
        withdrawn = (
            request.status == Status.DISPATCHED and request.responded_at is None and previous_org
        )
        set_dispatch(request, org=unit, assignee=assignee, mode=mode, at=s.at)
        s.note, s.data["assignee"] = note, request.assignee_id
        s.fields += ["handling_org", "assignee", "clock_started_at"]
    # Only a dispatch still awaiting the first response enters the response rate.
    cells: list[tuple[ServiceRequest, int | None, dict[str, int]]] = [
        (request, request.handling_org_id, {"dispatched": int(request.responded_at is None)})
    ]
    if withdrawn:
        cells.append((request, previous_org, {"withdrawn": 1}))
    stats.bump_many(cells)
    notify_dispatched(request)
    return request


@transition
@transaction.atomic
def request_return(
    *, request: ServiceRequest, reason: str, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """退单: the unit says the matter is not theirs; it goes back to the dispatcher."""
    reason = reason_of(reason, _("退单原因"))
    with step(
        "return",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有承办单位可以退单"),
    ) as s:
        request, org_id = s.request, s.request.handling_org_id
        request.assignee = None
        request.return_count += 1
        s.note, s.fields = reason, ["assignee", "return_count"]
    stats.bump(request, org_id=org_id, returned=1, withdrawn=0 if request.responded_at else 1)
    notify(
        request,
        "returned",
        Text(gettext_noop("诉求被退单 %(number)s"), {"number": request.number}),
        Text(gettext_noop("退单原因：%(reason)s"), {"reason": reason}),
        community_staff(request),
    )
    return request


def _not_taken(request: ServiceRequest) -> None:
    if request.status == Status.ACCEPTED:
        raise Conflict(RequestError.ALREADY_TAKEN, _("该诉求已被他人接单"))


@transition
@transaction.atomic
def request_accept(
    *, request: ServiceRequest, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """接单: the unit takes the order. Of two people accepting at once, exactly one wins."""
    with step(
        "accept",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有承办单位可以接单"),
        conflict=_not_taken,
    ) as s:
        request = s.request
        if request.assignee_id is None or not acting_user.has_role(
            Role.COMPANY_STAFF, Role.UNIT_STAFF
        ):
            request.assignee = acting_user
        s.fields = ["assignee"]
        if request.sla.get("respond_event") == "accepted" and request.responded_at is None:
            s.fields += mark_responded(request, s.at)
    return request


@transition
@transaction.atomic
def request_escalate(
    *, request: ServiceRequest, reason: str, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """上报: the community hands the request up to the street office."""
    reason = reason_of(reason, _("上报原因"))
    with step(
        "escalate",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("您没有上报此诉求的权限"),
    ) as s:
        request = s.request
        withdraw_if_unanswered(request)
        first_escalation = request.escalation_level == 0
        request.escalation_level = max(request.escalation_level, 2) + 1
        s.note, s.data["level"] = reason, request.escalation_level
        s.fields = ["escalation_level"]
    stats.bump(request, escalated=int(first_escalation))
    notify(
        request,
        "escalated",
        Text(gettext_noop("诉求上报街道 %(number)s"), {"number": request.number}),
        reason,
        escalation_targets(request, 3),
    )
    return request


@transition
@transaction.atomic
def request_cancel(
    *, request: ServiceRequest, reason: str, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """撤销: by the resident before a unit accepts it, or by staff with a reason."""
    with step(
        "cancel",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有反映人或社区工作人员可以撤销"),
        guarded=False,
    ) as s:
        request = s.request
        as_ = workflow.WORKFLOW.relationships_for("cancel", acting_user, request)
        if "dispatcher" in as_:
            reason = reason_of(reason, _("撤销原因"))
        elif not as_ and not permissions.is_dispatcher(acting_user, request):
            # The reporter, once a unit may have accepted it.
            raise Conflict(RequestError.INVALID_TRANSITION, _("诉求已被接单，不能撤销，请联系社区"))
        guard("cancel", None, request, to=Status.CANCELLED)
        withdraw_if_unanswered(request)
        request.closed_at = s.at
        s.note, s.fields, s.sla = reason or "", ["closed_at"], False
    return request
