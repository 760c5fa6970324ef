"""What every request service shares: the lock, the timeline, the SLA clock's
recomputation, the notifications' audiences, and :func:`step`, the one runner of a
transition (lock → 403 → 409 → body → state, timeline event, clock, version).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from redprop.accounts.choices import Role
from redprop.core import clock, rows
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.notifications.audience import audience
from redprop.notifications.texts import Text
from redprop.requests import policies, sla, stats, workflow
from redprop.requests.choices import Status
from redprop.requests.errors import RequestError
from redprop.requests.models import RequestEvent, ServiceRequest, SlaCheckpoint

if TYPE_CHECKING:
    from redprop.accounts.models import User

# The escalation targets (网格/社区/街道/上级) as notifications render them for each
# reader: marked for the catalogue here, in the context that gives English its article.
ESCALATION_TARGETS = (
    pgettext_lazy("escalation target", "网格"),
    pgettext_lazy("escalation target", "社区"),
    pgettext_lazy("escalation target", "街道"),
    pgettext_lazy("escalation target", "上级"),
)


def lock(request: ServiceRequest | int, expected_version: int | None = None) -> ServiceRequest:
    """The request, locked for this transaction, if the caller read its current version."""
    pk = request if isinstance(request, int) else request.pk
    locked = (
        ServiceRequest.objects.select_for_update(of=("self",))
        .select_related("handling_org", "grid", "category")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise NotFound()
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(RequestError.STALE_VERSION, _("诉求已被他人更新，请刷新后重试"))
    return locked


def events_of(request: ServiceRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.filter(request=request).order_by("at", "id"))


def new_event(
    request: ServiceRequest,
    kind: str,
    *,
    actor: User | None,
    from_status: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    **data: Any,
) -> RequestEvent:
    """An unsaved timeline event for the request as it is now (status, handling unit)."""
    return RequestEvent(
        request=request,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),
        from_status=from_status,
        to_status=request.status,
        # The unit object when it is loaded (a caller showing the event needs its name).
        org=request.handling_org if request.handling_org_id else None,
        note=note,
        data=data,
    )


def event(request: ServiceRequest, kind: str, **fields: Any) -> RequestEvent:
    """Write one timeline event now (``new_event``'s arguments)."""
    row = new_event(request, kind, **fields)
    rows.insert([row])
    return row


def recompute_sla(
    request: ServiceRequest,
    events: list[RequestEvent] | None = None,
    *,
    fired: set[str] | None = None,
) -> None:
    """Store the deadlines and the next check time derived from the timeline.

    ``events`` and ``fired`` (the checkpoints already fired) are read from the
    database unless given: a request being filed has none of either.
    """
    events = events_of(request) if events is None else events
    states, missing_years = sla.evaluate(request, events)
    request.holidays_missing = bool(missing_years)
    # In UTC, as the database gives them back (calendars work in local time).
    request.respond_due_at = utc(states["respond"].due_at)
    request.resolve_due_at = utc(states["resolve"].due_at)
    request.plan_due_at = utc(states["plan"].due_at) if "plan" in states else None
    if fired is None:
        fired = set(SlaCheckpoint.objects.filter(request=request).values_list("key", flat=True))
    request.next_sla_check_at = utc(sla.next_check(request, states, fired))


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment is not None else None


SLA_FIELDS = [
    "respond_due_at",
    "resolve_due_at",
    "plan_due_at",
    "next_sla_check_at",
    "holidays_missing",
]


def save(request: ServiceRequest, fields: Iterable[str]) -> None:
    request.version += 1
    request.save(update_fields=[*set(fields), "version", "updated_at"])


def reason_of(reason: str, what: str | None = None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            RequestError.REASON_REQUIRED,
            _("请填写%(what)s") % {"what": what or _("原因")},
            field="reason",
        )
    return reason[:1000]


def require(ok: bool, message: str | None = None) -> None:
    if not ok:
        raise PermissionDenied(message)


def authorize(action: str, user: User, request: ServiceRequest, message: str | None = None) -> None:
    """403 unless ``user`` holds a relationship that may take ``action`` (workflow.ACTIONS):
    the one permission check of each transition. Edges that must resolve more input
    with the user's scope first (the merge target) call it before doing so."""
    workflow.WORKFLOW.authorize(action, user, request, message)


def guard(action: str, user: User | None, request: ServiceRequest, *, to: str) -> None:
    """409 unless the state allows the step: the TRANSITIONS map, then the action's own
    states for the user's relationship (the reporter cancels only before acceptance).
    ``user=None``: the system (the clock), which only the states limit."""
    workflow.WORKFLOW.guard(action, user, request, to=to)


# Each transition's service by its row's ``service`` name (``@transition`` registers it):
# ``services.request_act`` runs a row through it.
SERVICES: dict[str, Callable[..., ServiceRequest]] = {}

F = TypeVar("F", bound=Callable[..., ServiceRequest])


def transition(fn: F) -> F:
    """Register ``request_<service>`` as the service of the rows naming ``<service>``."""
    SERVICES[fn.__name__.removeprefix("request_")] = fn
    return fn


@dataclass
class Step:
    """What a transition's body may set before :func:`step` records it: the new state
    (``to``), the event's note and data, the extra fields to save, and whether the SLA
    clock is recomputed (``sla``) or stopped (a closing step)."""

    request: ServiceRequest
    from_status: str
    to: str
    at: dt.datetime
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    fields: list[str] = field(default_factory=list)
    sla: bool = True


@contextmanager
def step(
    action: str,
    *,
    request: ServiceRequest,
    acting_user: User | None,
    expected_version: int | None = None,
    refused: str | None = None,
    may: Callable[[ServiceRequest], bool] | None = None,
    conflict: Callable[[ServiceRequest], None] | None = None,
    guarded: bool = True,
) -> Iterator[Step]:
    """Run one transition of the table (``workflow.WORKFLOW[action]``).

    Locks the row (and checks ``expected_version``), answers 403 (``refused``) unless
    the user holds a relationship that may take the step (and ``may`` of the locked row,
    when given), runs ``conflict`` (a 409 of the step's own), then 409 unless the state
    allows it (``guarded=False``: the body guards itself). The body sets what the step
    changes on ``Step.request`` and in the :class:`Step`; then the state is set, the
    timeline event (the row's ``event``) written, the SLA clock recomputed or stopped,
    and the row saved with its version bumped. Runs inside the caller's transaction:
    an error anywhere writes nothing. ``acting_user=None`` is the system (the clock).
    """
    row = workflow.WORKFLOW[action]
    request = lock(request, expected_version)
    if acting_user is not None:
        authorize(action, acting_user, request, refused)
        if may is not None:
            require(may(request), refused)
    if conflict is not None:
        conflict(request)
    (to,) = row.targets if len(row.targets) == 1 else (request.status,)
    if guarded:
        guard(action, acting_user, request, to=to)
    s = Step(request=request, from_status=request.status, to=to, at=clock.now())
    yield s
    request.status = s.to
    event(
        request,
        row.event,
        actor=acting_user,
        from_status=s.from_status,
        note=s.note,
        at=s.at,
        **s.data,
    )
    fields = ["status", *s.fields]
    if s.sla:
        recompute_sla(request)
        fields += SLA_FIELDS
    else:
        request.next_sla_check_at = None
        fields.append("next_sla_check_at")
    save(request, fields)


def mark_responded(request: ServiceRequest, at: dt.datetime | None = None) -> list[str]:
    """The unit's first response (5341's respond clock): counted once, on time or not."""
    request.responded_at = at or clock.now()
    on_time = request.respond_due_at is None or request.responded_at <= request.respond_due_at
    stats.bump(request, responded=1, responded_on_time=int(on_time))
    return ["responded_at"]


def withdraw_if_unanswered(request: ServiceRequest) -> None:
    if (
        request.handling_org_id
        and request.responded_at is None
        and request.status in {Status.DISPATCHED, Status.ACCEPTED}
    ):
        stats.bump(request, withdrawn=1)


# ---------------------------------------------------------------------------------
# who hears about it


def place_of(request: ServiceRequest) -> dict[str, int | None]:
    return {
        "city_id": request.city_id,
        "district_id": request.district_id,
        "street_id": request.street_id,
        "community_id": request.community_id,
        "grid_id": request.grid_id,
    }


def notify(
    request: ServiceRequest,
    kind: str,
    subject: str | Text,
    body: str | Text,
    to: dict[str, Any],
    *,
    at: dt.datetime | None = None,
    **payload: Any,
) -> None:
    """Queue a notification about the request for an audience: one outbox row, no query.

    The relay resolves the audience to users when it delivers (notifications.audience),
    and the request's place and unit pick the webhook endpoints.
    """
    from redprop.notifications.services import outbox_fanout

    outbox_fanout(
        kind=f"request.{kind}",
        subject=subject,
        body=body,
        link=f"/r/{request.pk}/",
        audience={**to, "place": place_of(request), "org": request.handling_org_id},
        payload={
            "request": request.pk,
            "number": request.number,
            "status": request.status,
            **payload,
        },
        target=request,
        at=at,
    )


def handlers(request: ServiceRequest) -> dict[str, Any]:
    """Who must hear that an order arrived for the unit: its staff and the assignee."""
    return audience(
        users=[request.assignee_id],
        org_roles=(request.handling_org_id, (Role.COMPANY_STAFF, Role.UNIT_STAFF)),
    )


def community_staff(request: ServiceRequest) -> dict[str, Any]:
    return audience(region_roles=(request.community_id, (Role.COMMUNITY_STAFF,)))


def reporters(request: ServiceRequest) -> dict[str, Any]:
    """The resident who filed it and the residents following it (一起关注)."""
    person_ids = [request.reporter_id, *request.followers.values_list("person_id", flat=True)]
    return audience(persons=person_ids)


def escalation_targets(request: ServiceRequest, level: int) -> dict[str, Any]:
    """Who hears of an escalation to ``level``: the policy's target for it
    (``policies.escalation_target``: grid (1) → community (2) → street (3) by default)."""
    target = policies.escalation_target(request.sla, level)
    g = request.grid
    if target == policies.GRID:
        if g is not None:
            return audience(users=[g.butler_id, g.grid_worker_id, g.maintenance_worker_id])
        target = policies.COMMUNITY
    if target == policies.COMMUNITY:
        return community_staff(request)
    return audience(region_roles=(request.street_id, (Role.STREET_OFFICER,)))
