"""Every write to a service request: one service per transition.

Each transition locks the row, checks the TRANSITIONS map and the actor, updates
the request (bumping ``version``), writes one timeline event, recomputes the SLA
clock, bumps the monthly rollup and queues notifications in the outbox — all in
one transaction, so either everything happened or nothing did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext_lazy

from redprop.accounts.choices import Role
from redprop.core import clock, inputs, rows
from redprop.core.errors import (
    ApplicationError,
    Conflict,
    ErrorCode,
    NotFound,
    PermissionDenied,
)
from redprop.notifications.audience import audience
from redprop.notifications.texts import Text
from redprop.requests import permissions, policies, search, sla, stats, workflow
from redprop.requests.choices import (
    OPEN_STATES,
    TRANSITIONS,
    Channel,
    EventKind,
    RatingSource,
    Satisfaction,
    Status,
)
from redprop.requests.errors import RequestError
from redprop.requests.models import (
    Category,
    Rating,
    RequestEvent,
    RequestFollower,
    RequestPhoto,
    ServiceRequest,
    SlaCheckpoint,
)
from redprop.requests.photos import MAX_PHOTOS, clean_photo, new_token

# ---------------------------------------------------------------------------------
# helpers


# The escalation targets (网格/社区/街道/上级) as notifications render them for each
# reader: marked for the catalogue here, in the context that gives English its article.
ESCALATION_TARGETS = (
    pgettext_lazy("escalation target", "网格"),
    pgettext_lazy("escalation target", "社区"),
    pgettext_lazy("escalation target", "街道"),
    pgettext_lazy("escalation target", "上级"),
)


def guard_transition(request: ServiceRequest, *, to: str) -> None:
    if to not in TRANSITIONS[request.status]:
        raise Conflict(
            RequestError.INVALID_TRANSITION,
            _("诉求当前状态为“%(status)s”，不能%(verb)s")
            % {"status": Status(request.status).label, "verb": _VERB.get(to, _("执行此操作"))},
        )


_VERB: dict[str, Any] = {
    Status.DISPATCHED: pgettext_lazy("verb", "派单"),
    Status.RETURNED: pgettext_lazy("verb", "退单"),
    Status.ACCEPTED: pgettext_lazy("verb", "接单"),
    Status.ON_SITE: pgettext_lazy("verb", "登记到场"),
    Status.PLAN_REQUIRED: pgettext_lazy("verb", "转为出具方案"),
    Status.PLAN_SUBMITTED: pgettext_lazy("verb", "提交方案"),
    Status.WAITING_ON_RESIDENT: pgettext_lazy("verb", "暂停计时"),
    Status.RESOLVED: pgettext_lazy("verb", "办结"),
    Status.RATED: pgettext_lazy("verb", "评价"),
    Status.REOPENED: pgettext_lazy("verb", "重新办理"),
    Status.ESCALATED: pgettext_lazy("verb", "上报"),
    Status.CLOSED: pgettext_lazy("verb", "关闭"),
    Status.CANCELLED: pgettext_lazy("verb", "撤销"),
    Status.MERGED: pgettext_lazy("verb", "合并"),
}


def _lock(request: ServiceRequest | int, expected_version: int | None = None) -> ServiceRequest:
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


def _events(request: ServiceRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.filter(request=request).order_by("at", "id"))


def _new_event(
    request: ServiceRequest,
    kind: str,
    *,
    actor: Any,
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


def _event(request: ServiceRequest, kind: str, **fields: Any) -> RequestEvent:
    """Write one timeline event now (``_new_event``'s arguments)."""
    event = _new_event(request, kind, **fields)
    rows.insert([event])
    return event


def _recompute_sla(
    request: ServiceRequest,
    events: list[RequestEvent] | None = None,
    *,
    fired: set[str] | None = None,
) -> None:
    """Store the deadlines and the next check time derived from the timeline.

    ``events`` and ``fired`` (the checkpoints already fired) are read from the
    database unless given: a request being filed has none of either.
    """
    events = _events(request) if events is None else events
    states, missing_years = sla.evaluate(request, events)
    request.holidays_missing = bool(missing_years)
    # In UTC, as the database gives them back (calendars work in local time).
    request.respond_due_at = _utc(states["respond"].due_at)
    request.resolve_due_at = _utc(states["resolve"].due_at)
    request.plan_due_at = _utc(states["plan"].due_at) if "plan" in states else None
    if fired is None:
        fired = set(SlaCheckpoint.objects.filter(request=request).values_list("key", flat=True))
    request.next_sla_check_at = _utc(sla.next_check(request, states, fired))


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment is not None else None


_SLA_FIELDS = [
    "respond_due_at",
    "resolve_due_at",
    "plan_due_at",
    "next_sla_check_at",
    "holidays_missing",
]


def _save(request: ServiceRequest, fields: Iterable[str]) -> None:
    request.version += 1
    request.save(update_fields=[*set(fields), "version", "updated_at"])


def _reason(reason: str, what: str | None = None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(
            RequestError.REASON_REQUIRED,
            _("请填写%(what)s") % {"what": what or _("原因")},
            field="reason",
        )
    return reason[:1000]


def _require(ok: bool, message: str | None = None) -> None:
    if not ok:
        raise PermissionDenied(message)


def authorize(action: str, user: Any, request: ServiceRequest, message: str | None = None) -> None:
    """403 unless ``user`` holds a relationship that may take ``action`` (workflow.ACTIONS):
    the one permission check of each transition. Edges that must resolve more input
    with the user's scope first (the merge target) call it before doing so."""
    workflow.WORKFLOW.authorize(action, user, request, message)


def _guard(action: str, user: Any, request: ServiceRequest, *, to: str) -> None:
    """409 unless the state allows the step: the TRANSITIONS map, then the action's own
    states for the user's relationship (the reporter cancels only before acceptance)."""
    guard_transition(request, to=to)
    if not workflow.WORKFLOW.allowed(action, user, request):
        raise Conflict(
            RequestError.INVALID_TRANSITION,
            _("诉求当前状态为“%(status)s”，不能%(verb)s")
            % {"status": Status(request.status).label, "verb": _VERB.get(to, _("执行此操作"))},
        )


def _place_of(request: ServiceRequest) -> dict[str, int | None]:
    return {
        "city_id": request.city_id,
        "district_id": request.district_id,
        "street_id": request.street_id,
        "community_id": request.community_id,
        "grid_id": request.grid_id,
    }


def _notify(
    request: ServiceRequest,
    kind: str,
    subject: str | Text,
    body: str | Text,
    audience: dict[str, Any],
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
        audience={**audience, "place": _place_of(request), "org": request.handling_org_id},
        payload={
            "request": request.pk,
            "number": request.number,
            "status": request.status,
            **payload,
        },
        target=request,
        at=at,
    )


def _handlers(request: ServiceRequest) -> dict[str, Any]:
    """Who must hear that an order arrived for the unit: its staff and the assignee."""
    return audience(
        users=[request.assignee_id],
        org_roles=(request.handling_org_id, (Role.COMPANY_STAFF, Role.UNIT_STAFF)),
    )


def _community_staff(request: ServiceRequest) -> dict[str, Any]:
    return audience(region_roles=(request.community_id, (Role.COMMUNITY_STAFF,)))


def _reporters(request: ServiceRequest) -> dict[str, Any]:
    """The resident who filed it and the residents following it (一起关注)."""
    person_ids = [request.reporter_id, *request.followers.values_list("person_id", flat=True)]
    return audience(persons=person_ids)


def _escalation_targets(request: ServiceRequest, level: int) -> dict[str, Any]:
    """grid (1) → community (2) → street (3)."""
    g = request.grid
    if level <= 1 and g is not None:
        return audience(users=[g.butler_id, g.grid_worker_id, g.maintenance_worker_id])
    if level <= 2:
        return _community_staff(request)
    return audience(region_roles=(request.street_id, (Role.STREET_OFFICER,)))


# ---------------------------------------------------------------------------------
# intake


def _resolve_place(unit: Any, building: Any, compound: Any) -> tuple[Any, Any, Any, Any]:
    if unit is not None:
        building = unit.building
        compound = unit.compound
        return unit, building, compound, unit
    if building is not None:
        return None, building, building.compound, building
    if compound is not None:
        return None, None, compound, compound
    raise ApplicationError(
        RequestError.PLACE_REQUIRED, _("请选择问题发生的小区、楼栋或房屋"), field="place"
    )


@transaction.atomic
def unknown_place(kind: str) -> ApplicationError:
    """The answer to a place id that does not exist, or that the user may not file at."""
    messages = {
        "unit": (_("房屋不存在"), "unit_id"),
        "building": (_("楼栋不存在"), "building_id"),
        "compound": (_("小区不存在"), "compound_id"),
    }
    message, field = messages[kind]
    return ApplicationError(RequestError.PLACE_REQUIRED, message, field=field)


def request_file(
    *,
    acting_user: Any,
    category: Category,
    description: str,
    channel: str = Channel.RESIDENT_APP,
    unit: Any = None,
    building: Any = None,
    compound: Any = None,
    location_text: str = "",
    reporter: Any = None,
    anonymous: bool = False,
    severity: str | None = None,
    urgent: bool | None = None,
    photos: Sequence[Any] = (),
    external_ref: str = "",
    at: dt.datetime | None = None,
) -> ServiceRequest:
    """居民下单: file a request from any channel; route it, and auto-dispatch if the policy says so.

    One transaction, and nothing is written if anything is refused. Everything is
    decided in memory first (permission, SLA policy and routing from the cached
    reference data, the assignee, the deadlines), then written in four statements:
    the request, its events (FILED, and DISPATCHED when auto-dispatched), the rollup
    cells, and one outbox row for the unit's staff (the relay fans it out). The
    returned request carries its events and photos in ``request.new_events`` and
    ``request.new_photos``, so a caller can answer without reading it back. See
    docs/adr/0006-lean-intake.md.
    """
    description = (description or "").strip()
    if not description or inputs.is_invisible(description):
        raise ApplicationError(
            RequestError.DESCRIPTION_REQUIRED, _("请描述遇到的问题"), field="description"
        )
    if len(description) > inputs.DESCRIPTION_MAX:
        raise ApplicationError(
            RequestError.DESCRIPTION_REQUIRED, _("问题描述不能超过 2000 字"), field="description"
        )
    # Refused, never cut: a cut text would silently lose what the person wrote.
    for name, value, limit in (
        ("location_text", location_text, inputs.LOCATION_MAX),
        ("external_ref", external_ref, inputs.EXTERNAL_REF_MAX),
    ):
        if len(value or "") > limit:
            raise ApplicationError(
                ErrorCode.VALIDATION,
                _("不能超过 %(max)s 个字符") % {"max": limit},
                field=name,
            )
    if not category.is_active:
        raise ApplicationError(RequestError.UNKNOWN_CATEGORY, _("该分类已停用"), field="category")
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(RequestError.TOO_MANY_PHOTOS, _("最多上传 9 张照片"), field="photos")
    named = "unit" if unit is not None else "building" if building is not None else "compound"
    unit, building, compound, place = _resolve_place(unit, building, compound)
    if not permissions.can_file_at(acting_user, place):
        # Refused exactly as a place that does not exist (the API's 400 on the same
        # field), so the ids of other compounds are not confirmed.
        raise unknown_place(named)
    if channel == Channel.RESIDENT_APP and not acting_user.has_role(Role.RESIDENT):
        channel = Channel.WINDOW
    if reporter is None and channel == Channel.RESIDENT_APP and acting_user.person_id:
        from redprop.accounts.models import User

        # The resident files for themself; their person is loaded with the token.
        reporter = acting_user.person if User.person.is_cached(acting_user) else None
        reporter_id = acting_user.person_id
    else:
        reporter_id = reporter.pk if reporter is not None else None
    cleaned = [clean_photo(p) for p in photos]  # validate all before writing anything
    now = at or clock.now()
    severity = severity or category.default_severity
    urgent = category.urgent if urgent is None else urgent
    policy = policies.sla_policy_for(place=place, at=now)
    request = ServiceRequest(
        channel=channel,
        category=category,
        severity=severity,
        urgent=urgent,
        description=description,
        search_text=search.document_tokens(description),
        compound=compound,
        building=building,
        unit=unit,
        location_text=location_text or "",
        reporter_id=reporter_id,
        filed_by=acting_user,
        anonymous=anonymous,
        external_ref=external_ref or "",
        policy=policy,
        sla=policies.sla_snapshot(policy, severity=severity, urgent=urgent),
        created_at=now,
        updated_at=now,
    )
    if reporter is not None:
        request.reporter = reporter
    request.set_place(place)
    grid = getattr(place, "grid", None) if request.grid_id else None
    if grid is not None:
        request.grid = grid
    events = [_new_event(request, EventKind.FILED, actor=acting_user, at=now, channel=channel)]
    cells: list[tuple[ServiceRequest, int | None, dict[str, int]]] = [(request, None, {"filed": 1})]
    route = policies.route_for(category=category, place=place, compound=compound)
    dispatched = route.auto_dispatch and route.org is not None
    if dispatched:
        events.append(
            _dispatch_in_memory(
                request,
                org=route.org,
                assignee=None,
                mode=route.assignment,
                acting_user=None,
                at=now,
            )
        )
        _recompute_sla(request, events, fired=set())
        cells.append((request, request.handling_org_id, {"dispatched": 1}))
    rows.insert([request])
    rows.insert(events)
    new_photos = [
        RequestPhoto.objects.create(
            request=request,
            token=new_token(),
            image=content,
            width=w,
            height=h,
            uploaded_by=acting_user,
        )
        for content, w, h in cleaned
    ]
    stats.bump_many(cells)
    if dispatched:
        _notify_dispatched(request, at=now)
    request.new_events = events
    request.new_photos = new_photos
    return request


@transaction.atomic
def photo_add(*, request: ServiceRequest, upload: Any, kind: str, acting_user: Any) -> RequestPhoto:
    request = _lock(request)
    _require(
        permissions.is_handler(acting_user, request)
        or permissions.is_dispatcher(acting_user, request)
        or permissions.is_reporter(acting_user, request)
    )
    if request.photos.count() >= MAX_PHOTOS * 2:
        raise ApplicationError(RequestError.TOO_MANY_PHOTOS, _("照片数量已达上限"), field="photo")
    content, w, h = clean_photo(upload, field="photo")
    photo = RequestPhoto.objects.create(
        request=request,
        kind=kind,
        token=new_token(),
        image=content,
        width=w,
        height=h,
        uploaded_by=acting_user,
    )
    _event(request, EventKind.PHOTO, actor=acting_user, photo=photo.pk, photo_kind=kind)
    return photo


# ---------------------------------------------------------------------------------
# dispatch and the unit's steps


def _dispatch_in_memory(
    request: ServiceRequest,
    *,
    org: Any,
    assignee: Any,
    mode: str,
    acting_user: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> RequestEvent:
    """Set the dispatch on ``request`` (unit, assignee, clock start) and return its
    unsaved DISPATCHED event. Shared by the intake and by ``request_dispatch``."""
    from_status = request.status
    request.status = Status.DISPATCHED
    request.handling_org = org
    request.assignee = assignee or policies.assignee_for(request=request, org=org, mode=mode)
    now = at or clock.now()
    if request.clock_started_at is None:
        request.clock_started_at = now
    return _new_event(
        request,
        EventKind.DISPATCHED,
        actor=acting_user,
        from_status=from_status,
        note=note,
        at=now,
        assignee=request.assignee_id,
    )


def _notify_dispatched(request: ServiceRequest, *, at: dt.datetime | None = None) -> None:
    _notify(
        request,
        "dispatched",
        Text(gettext_noop("新派单 %(number)s"), {"number": request.number}),
        f"{request.category.name}：{request.description[:60]}",
        _handlers(request),
        at=at,
    )


def _dispatch(
    request: ServiceRequest,
    *,
    org: Any,
    assignee: Any,
    mode: str,
    acting_user: Any,
    note: str = "",
    at: dt.datetime | None = None,
) -> None:
    previous_org = request.handling_org_id
    withdrawn = (
        request.status == Status.DISPATCHED and request.responded_at is None and previous_org
    )
    rows.insert(
        [
            _dispatch_in_memory(
                request,
                org=org,
                assignee=assignee,
                mode=mode,
                acting_user=acting_user,
                note=note,
                at=at,
            )
        ]
    )
    _recompute_sla(request)
    _save(request, ["status", "handling_org", "assignee", "clock_started_at", *_SLA_FIELDS])
    # Only a dispatch still awaiting the first response enters the response rate.
    cells: list[tuple[ServiceRequest, int | None, dict[str, int]]] = [
        (request, request.handling_org_id, {"dispatched": int(request.responded_at is None)})
    ]
    if withdrawn:
        cells.append((request, previous_org, {"withdrawn": 1}))
    stats.bump_many(cells)
    _notify_dispatched(request)


@transaction.atomic
def request_dispatch(
    *,
    request: ServiceRequest,
    org: Any,
    acting_user: Any,
    assignee: Any = None,
    note: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """社区发单: send the request to a responsible unit and start its SLA clock."""
    request = _lock(request, expected_version)
    authorize("dispatch", acting_user, request, _("只有社区或街道工作人员可以派单"))
    _guard("dispatch", acting_user, request, to=Status.DISPATCHED)
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
    route = policies.route_for(category=request.category, place=request, compound=request.compound)
    mode = route.assignment if route.org and route.org.pk == org.pk else "grid_worker"
    _dispatch(request, org=org, assignee=assignee, mode=mode, acting_user=acting_user, note=note)
    return request


@transaction.atomic
def request_return(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """退单: the unit says the matter is not theirs; it goes back to the dispatcher."""
    reason = _reason(reason, _("退单原因"))
    request = _lock(request, expected_version)
    authorize("return", acting_user, request, _("只有承办单位可以退单"))
    _guard("return", acting_user, request, to=Status.RETURNED)
    from_status, org_id = request.status, request.handling_org_id
    request.status = Status.RETURNED
    request.assignee = None
    _event(request, EventKind.RETURNED, actor=acting_user, from_status=from_status, note=reason)
    request.return_count += 1
    _recompute_sla(request)
    _save(request, ["status", "assignee", "return_count", *_SLA_FIELDS])
    stats.bump(request, org_id=org_id, returned=1, withdrawn=0 if request.responded_at else 1)
    _notify(
        request,
        "returned",
        Text(gettext_noop("诉求被退单 %(number)s"), {"number": request.number}),
        Text(gettext_noop("退单原因：%(reason)s"), {"reason": reason}),
        _community_staff(request),
    )
    return request


@transaction.atomic
def request_accept(
    *, request: ServiceRequest, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """接单: the unit takes the order. Of two people accepting at once, exactly one wins."""
    request = _lock(request, expected_version)
    authorize("accept", acting_user, request, _("只有承办单位可以接单"))
    if request.status == Status.ACCEPTED:
        raise Conflict(RequestError.ALREADY_TAKEN, _("该诉求已被他人接单"))
    _guard("accept", acting_user, request, to=Status.ACCEPTED)
    from_status = request.status
    request.status = Status.ACCEPTED
    if request.assignee_id is None or not acting_user.has_role(Role.COMPANY_STAFF, Role.UNIT_STAFF):
        request.assignee = acting_user
    _event(request, EventKind.ACCEPTED, actor=acting_user, from_status=from_status)
    fields = ["status", "assignee"]
    if request.sla.get("respond_event") == "accepted" and request.responded_at is None:
        fields += _mark_responded(request)
    _recompute_sla(request)
    _save(request, [*fields, *_SLA_FIELDS])
    return request


def _mark_responded(request: ServiceRequest) -> list[str]:
    request.responded_at = clock.now()
    on_time = request.respond_due_at is None or request.responded_at <= request.respond_due_at
    stats.bump(request, responded=1, responded_on_time=int(on_time))
    return ["responded_at"]


def _handler_step(
    request: ServiceRequest,
    *,
    action: str,
    acting_user: Any,
    to: str,
    kind: str,
    note: str = "",
    expected_version: int | None = None,
    **data: Any,
) -> ServiceRequest:
    request = _lock(request, expected_version)
    authorize(action, acting_user, request, _("只有承办单位可以办理"))
    _guard(action, acting_user, request, to=to)
    from_status = request.status
    request.status = to
    _event(request, kind, actor=acting_user, from_status=from_status, note=note, **data)
    return request


@transaction.atomic
def request_arrive(
    *, request: ServiceRequest, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """到场: the worker is on site (the 5-minute response clock of Jinghe's 5341)."""
    request = _handler_step(
        request,
        action="arrive",
        acting_user=acting_user,
        to=Status.ON_SITE,
        kind=EventKind.ARRIVED,
        expected_version=expected_version,
    )
    fields = ["status"]
    if request.responded_at is None:
        fields += _mark_responded(request)
    _recompute_sla(request)
    _save(request, [*fields, *_SLA_FIELDS])
    return request


@transaction.atomic
def request_require_plan(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """A special complex problem: a written plan is due within the plan clock (1 working day
    by default: the close of the next working day)."""
    reason = _reason(reason, _("需出具方案的原因"))
    request = _handler_step(
        request,
        action="require_plan",
        acting_user=acting_user,
        to=Status.PLAN_REQUIRED,
        kind=EventKind.PLAN_REQUIRED,
        note=reason,
        expected_version=expected_version,
    )
    _recompute_sla(request)
    _save(request, ["status", *_SLA_FIELDS])
    return request


@transaction.atomic
def request_submit_plan(
    *,
    request: ServiceRequest,
    plan: str,
    resolve_by: dt.datetime,
    acting_user: Any,
    expected_version: int | None = None,
) -> ServiceRequest:
    """The written plan (书面方案) with its own deadline for the resolution."""
    plan = (plan or "").strip()
    if len(plan) < 5:
        raise ApplicationError(
            RequestError.INVALID_PLAN, _("请填写处理方案（至少 5 个字）"), field="plan"
        )
    if timezone.is_naive(resolve_by) or resolve_by <= clock.now():
        raise ApplicationError(
            RequestError.INVALID_PLAN, _("方案完成时间须晚于当前时间"), field="resolve_by"
        )
    request = _handler_step(
        request,
        action="submit_plan",
        acting_user=acting_user,
        to=Status.PLAN_SUBMITTED,
        kind=EventKind.PLAN_SUBMITTED,
        note=plan,
        expected_version=expected_version,
        resolve_by=resolve_by.isoformat(),
    )
    _recompute_sla(request)
    _save(request, ["status", *_SLA_FIELDS])
    return request


@transaction.atomic
def request_pause(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """等待居民: the clock stops until the resident is available (on the timeline)."""
    reason = _reason(reason, _("暂停原因"))
    request = _lock(request, expected_version)
    authorize("pause", acting_user, request, _("只有承办单位可以暂停计时"))
    _guard("pause", acting_user, request, to=Status.WAITING_ON_RESIDENT)
    from_status = request.status
    request.paused_from = from_status
    request.status = Status.WAITING_ON_RESIDENT
    _event(request, EventKind.PAUSED, actor=acting_user, from_status=from_status, note=reason)
    _recompute_sla(request)
    _save(request, ["status", "paused_from", *_SLA_FIELDS])
    return request


@transaction.atomic
def request_resume(
    *, request: ServiceRequest, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    request = _lock(request, expected_version)
    authorize("resume", acting_user, request, _("只有承办单位可以恢复计时"))
    if not workflow.WORKFLOW.allowed("resume", acting_user, request):
        raise Conflict(RequestError.INVALID_TRANSITION, _("诉求未处于暂停状态"))
    request.status = request.paused_from or Status.ACCEPTED
    request.paused_from = ""
    _event(request, EventKind.RESUMED, actor=acting_user, from_status=Status.WAITING_ON_RESIDENT)
    _recompute_sla(request)
    _save(request, ["status", "paused_from", *_SLA_FIELDS])
    return request


@transaction.atomic
def request_resolve(
    *,
    request: ServiceRequest,
    note: str,
    acting_user: Any,
    photos: Sequence[Any] = (),
    expected_version: int | None = None,
) -> ServiceRequest:
    """办结: solved; the resident is asked to rate it."""
    note = _reason(note, _("处理结果"))
    cleaned = [clean_photo(p) for p in photos]
    request = _lock(request, expected_version)
    authorize("resolve", acting_user, request, _("只有承办单位可以办结"))
    _guard("resolve", acting_user, request, to=Status.RESOLVED)
    from_status = request.status
    fields = ["status", "resolved_at"]
    if request.responded_at is None and request.sla.get("respond_event") != "accepted":
        fields += _mark_responded(request)
    request.status = Status.RESOLVED
    request.resolved_at = clock.now()
    on_time = request.resolve_due_at is None or request.resolved_at <= request.resolve_due_at
    _event(
        request,
        EventKind.RESOLVED,
        actor=acting_user,
        from_status=from_status,
        note=note,
        at=request.resolved_at,
        on_time=on_time,
    )
    for content, w, h in cleaned:
        RequestPhoto.objects.create(
            request=request,
            kind="after",
            token=new_token(),
            image=content,
            width=w,
            height=h,
            uploaded_by=acting_user,
        )
    _recompute_sla(request)
    _save(request, [*fields, *_SLA_FIELDS])
    stats.bump(request, resolved=1, resolved_on_time=int(on_time))
    _notify(
        request,
        "resolved",
        Text(gettext_noop("您反映的问题已办结 %(number)s"), {"number": request.number}),
        Text(gettext_noop("处理结果：%(result)s。请对本次服务进行评价。"), {"result": note[:80]}),
        _reporters(request),
    )
    return request


# ---------------------------------------------------------------------------------
# the resident's word, and staff follow-up


def _record_rating(
    request: ServiceRequest, *, source: str, score: int | None, solved: bool, comment: str, by: Any
) -> None:
    if score is not None and score not in Satisfaction.values:
        raise ApplicationError(RequestError.INVALID_RATING, _("满意度须为 1 至 5"), field="score")
    previous = request.ratings.filter(superseded=False).first()
    if previous is not None:
        previous.superseded = True
        previous.save(update_fields=["superseded"])
        stats.bump(request, **stats.rating_deltas(previous.score, previous.solved, sign=-1))
    Rating.objects.create(
        request=request, source=source, score=score, solved=solved, comment=comment[:1000], by=by
    )
    stats.bump(request, **stats.rating_deltas(score, solved))
    request.rating, request.solved = score, solved


@transaction.atomic
def request_rate(
    *,
    request: ServiceRequest,
    score: int,
    solved: bool,
    comment: str = "",
    acting_user: Any,
    expected_version: int | None = None,
) -> ServiceRequest:
    """The resident rates the result (非常满意 … 非常不满意) and says whether it was solved."""
    request = _lock(request, expected_version)
    # Only the reporter (never a follower), and never staff of the request's place.
    authorize("rate", acting_user, request, _("只有反映人可以评价"))
    _guard("rate", acting_user, request, to=Status.RATED)
    if score is None:
        raise ApplicationError(RequestError.INVALID_RATING, _("请选择满意度"), field="score")
    from_status = request.status
    _record_rating(
        request,
        source=RatingSource.RESIDENT,
        score=score,
        solved=solved,
        comment=comment,
        by=acting_user,
    )
    request.status = Status.RATED
    _event(
        request,
        EventKind.RATED,
        actor=acting_user,
        from_status=from_status,
        note=comment,
        score=score,
        solved=solved,
    )
    _recompute_sla(request)
    _save(request, ["status", "rating", "solved", *_SLA_FIELDS])
    return request


@transaction.atomic
def request_revisit(
    *,
    request: ServiceRequest,
    solved: bool,
    score: int | None = None,
    note: str = "",
    acting_user: Any,
    expected_version: int | None = None,
) -> ServiceRequest:
    """回访: community staff phone a resident who did not rate, and record the answer."""
    request = _lock(request, expected_version)
    authorize("revisit", acting_user, request, _("只有社区或街道工作人员可以回访"))
    _guard("revisit", acting_user, request, to=Status.RATED)
    from_status = request.status
    _record_rating(
        request,
        source=RatingSource.REVISIT,
        score=score,
        solved=solved,
        comment=note,
        by=acting_user,
    )
    request.status = Status.RATED
    _event(
        request,
        EventKind.REVISITED,
        actor=acting_user,
        from_status=from_status,
        note=note,
        score=score,
        solved=solved,
    )
    _recompute_sla(request)
    _save(request, ["status", "rating", "solved", *_SLA_FIELDS])
    return request


@transaction.atomic
def request_reopen(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """重办: not satisfied; back to the same unit, up to the policy's limit. Counted."""
    reason = _reason(reason, _("重新办理的原因"))
    request = _lock(request, expected_version)
    authorize("reopen", acting_user, request, _("只有反映人或社区工作人员可以要求重新办理"))
    _guard("reopen", acting_user, request, to=Status.REOPENED)
    limit = int(request.sla.get("max_reopens", 2))
    if request.reopen_count >= limit:
        raise ApplicationError(
            RequestError.REOPEN_LIMIT,
            _("该诉求已重新办理 %(limit)s 次，请联系社区") % {"limit": limit},
            status=409,
        )
    from_status = request.status
    last_resolved = RequestEvent.objects.filter(request=request, kind=EventKind.RESOLVED).latest(
        "id"
    )
    stats.bump(
        request,
        resolved=-1,
        resolved_on_time=-int(bool(last_resolved.data.get("on_time"))),
        reopened=1,
    )
    request.status = Status.REOPENED
    request.reopen_count += 1
    request.resolved_at = None
    _event(request, EventKind.REOPENED, actor=acting_user, from_status=from_status, note=reason)
    _recompute_sla(request)
    _save(request, ["status", "reopen_count", "resolved_at", *_SLA_FIELDS])
    _notify(
        request,
        "reopened",
        Text(gettext_noop("诉求重新办理 %(number)s"), {"number": request.number}),
        reason,
        _handlers(request),
    )
    return request


@transaction.atomic
def request_close(
    *,
    request: ServiceRequest,
    acting_user: Any,
    note: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    request = _lock(request, expected_version)
    if acting_user is not None:
        authorize("close", acting_user, request, _("只有社区或街道工作人员可以关闭诉求"))
        _guard("close", acting_user, request, to=Status.CLOSED)
    else:  # the clock's auto-close
        guard_transition(request, to=Status.CLOSED)
    from_status = request.status
    request.status = Status.CLOSED
    request.closed_at = clock.now()
    _event(request, EventKind.CLOSED, actor=acting_user, from_status=from_status, note=note)
    request.next_sla_check_at = None
    _save(request, ["status", "closed_at", "next_sla_check_at"])
    return request


def _withdraw_if_unanswered(request: ServiceRequest) -> None:
    if (
        request.handling_org_id
        and request.responded_at is None
        and request.status
        in {
            Status.DISPATCHED,
            Status.ACCEPTED,
        }
    ):
        stats.bump(request, withdrawn=1)


@transaction.atomic
def request_cancel(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """撤销: by the resident before a unit accepts it, or by staff with a reason."""
    request = _lock(request, expected_version)
    authorize("cancel", acting_user, request, _("只有反映人或社区工作人员可以撤销"))
    as_ = workflow.WORKFLOW.relationships_for("cancel", acting_user, request)
    if "dispatcher" in as_:
        reason = _reason(reason, _("撤销原因"))
    elif not as_ and not permissions.is_dispatcher(acting_user, request):
        # The reporter, once a unit may have accepted it.
        raise Conflict(RequestError.INVALID_TRANSITION, _("诉求已被接单，不能撤销，请联系社区"))
    guard_transition(request, to=Status.CANCELLED)
    from_status = request.status
    _withdraw_if_unanswered(request)
    request.status = Status.CANCELLED
    request.closed_at = clock.now()
    request.next_sla_check_at = None
    _event(
        request, EventKind.CANCELLED, actor=acting_user, from_status=from_status, note=reason or ""
    )
    _save(request, ["status", "closed_at", "next_sla_check_at"])
    return request


@transaction.atomic
def request_merge(
    *,
    request: ServiceRequest,
    into: ServiceRequest,
    acting_user: Any,
    expected_version: int | None = None,
) -> ServiceRequest:
    """“Me too”: merge a duplicate into a survivor; its reporters follow the survivor."""
    if request.pk == into.pk:
        raise ApplicationError(RequestError.MERGE_INVALID, _("不能合并到自身"), field="into")
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted([request.pk, into.pk])
    locked = {first: _lock(first), second: _lock(second)}
    request, into = locked[request.pk], locked[into.pk]
    if expected_version is not None and request.version != expected_version:
        raise Conflict(RequestError.STALE_VERSION, _("诉求已被他人更新，请刷新后重试"))
    _require(
        workflow.WORKFLOW.related("merge", acting_user, request)
        and permissions.is_dispatcher(acting_user, into),
        _("只有社区或街道工作人员可以合并诉求"),
    )
    _guard("merge", acting_user, request, to=Status.MERGED)
    if not into.is_open or into.status == Status.MERGED:
        raise ApplicationError(
            RequestError.MERGE_INVALID, _("目标诉求已关闭，不能合并"), field="into"
        )
    if into.community_id != request.community_id:
        raise ApplicationError(
            RequestError.MERGE_INVALID, _("只能合并同一社区的诉求"), field="into"
        )
    from_status = request.status
    _withdraw_if_unanswered(request)
    request.status = Status.MERGED
    request.merged_into = into
    request.closed_at = clock.now()
    request.next_sla_check_at = None
    _event(request, EventKind.MERGED, actor=acting_user, from_status=from_status, into=into.pk)
    _save(request, ["status", "merged_into", "closed_at", "next_sla_check_at"])
    followers: set[int] = {
        p
        for p in (request.reporter_id, *request.followers.values_list("person_id", flat=True))
        if p is not None and p != into.reporter_id
    }
    existing = set(into.followers.values_list("person_id", flat=True))
    RequestFollower.objects.bulk_create(
        [RequestFollower(request=into, person_id=p) for p in followers - existing]
    )
    _event(into, EventKind.MERGED_IN, actor=acting_user, from_status=into.status, merged=request.pk)
    _save(into, [])
    _notify(
        into,
        "merged",
        Text(gettext_noop("您反映的问题已与 %(number)s 合并办理"), {"number": into.number}),
        Text(gettext_noop("同一问题已有人反映，您将收到该诉求的办理进展。")),
        _reporters(request),
        merged=request.pk,
    )
    return request


@transaction.atomic
def request_follow(*, request: ServiceRequest, acting_user: Any) -> RequestFollower | None:
    """一起关注: a resident follows an open request about the same problem."""
    request = _lock(request)
    if permissions.is_reporter(acting_user, request):
        return None
    # A resident of the compound only: staff following a request of their own area
    # could otherwise pass as its residents (docs/adr/0008-follower-view.md).
    _require(permissions.can_follow(acting_user, request), _("只有本小区居民可以关注诉求"))
    if not request.is_open:
        raise Conflict(RequestError.INVALID_TRANSITION, _("该诉求已关闭"))
    person_id = acting_user.person_id
    follower, created = RequestFollower.objects.get_or_create(request=request, person_id=person_id)
    if created:
        _event(
            request,
            EventKind.NOTE,
            actor=acting_user,
            from_status=request.status,
            note=gettext_noop("居民表示同样遇到此问题（一起关注）"),
        )
    return follower


@transaction.atomic
def request_escalate(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """上报: the community hands the request up to the street office."""
    reason = _reason(reason, _("上报原因"))
    request = _lock(request, expected_version)
    authorize("escalate", acting_user, request, _("您没有上报此诉求的权限"))
    _guard("escalate", acting_user, request, to=Status.ESCALATED)
    from_status = request.status
    _withdraw_if_unanswered(request)
    first_escalation = request.escalation_level == 0
    request.status = Status.ESCALATED
    request.escalation_level = max(request.escalation_level, 2) + 1
    _event(
        request,
        EventKind.ESCALATED,
        actor=acting_user,
        from_status=from_status,
        note=reason,
        level=request.escalation_level,
    )
    _recompute_sla(request)
    _save(request, ["status", "escalation_level", *_SLA_FIELDS])
    stats.bump(request, escalated=int(first_escalation))
    _notify(
        request,
        "escalated",
        Text(gettext_noop("诉求上报街道 %(number)s"), {"number": request.number}),
        reason,
        _escalation_targets(request, 3),
    )
    return request


# ---------------------------------------------------------------------------------
# the clock


def sla_check(*, request_id: int, now: dt.datetime | None = None) -> list[str]:
    """Fire the warnings, breaches and escalations that are due. Idempotent.

    Each checkpoint is a unique row, so a second run (or a second worker) fires
    nothing twice. Returns the keys fired.
    """
    now = now or clock.now()
    with transaction.atomic():
        request = _lock(request_id)
        events = _events(request)
        states, missing_years = sla.evaluate(request, events)
        fired = set(SlaCheckpoint.objects.filter(request=request).values_list("key", flat=True))
        due = sla.checkpoints_due(request, states, now, fired)
        fields: list[str] = []
        if request.holidays_missing != bool(missing_years):
            request.holidays_missing = bool(missing_years)
            fields.append("holidays_missing")
        for key, kind, at in due:
            SlaCheckpoint.objects.create(request=request, key=key, at=now)
            fired.add(key)
            which = key.split(":", 1)[1]
            if kind == "warn":
                _event(
                    request,
                    EventKind.DEADLINE_WARNING,
                    actor=None,
                    at=now,
                    clock=which,
                    due=str(states[which].due_at),
                )
                _notify(
                    request,
                    "deadline_warning",
                    Text(gettext_noop("诉求即将超时 %(number)s"), {"number": request.number}),
                    Text(
                        gettext_noop("%(category)s：请在时限内处理"),
                        {"category": request.category.name},
                    ),
                    _handlers(request),
                    clock=which,
                )
            elif kind == "breach":
                _event(
                    request,
                    EventKind.DEADLINE_BREACHED,
                    actor=None,
                    at=now,
                    clock=which,
                    due=at.isoformat(),
                )
                if not request.breached:
                    request.breached = True
                    fields.append("breached")
                    stats.bump(request, breached=1)
            else:
                level = int(which)
                if level > request.escalation_level:
                    if request.escalation_level == 0:
                        stats.bump(request, escalated=1)
                    request.escalation_level = level
                    fields.append("escalation_level")
                target = {
                    1: gettext_noop("网格"),
                    2: gettext_noop("社区"),
                    3: gettext_noop("街道"),
                }.get(level, gettext_noop("上级"))
                _event(
                    request,
                    EventKind.AUTO_ESCALATED,
                    actor=None,
                    at=now,
                    level=level,
                    note=gettext_noop("超时未办结，自动上报%(target)s") % {"target": target},
                )
                _notify(
                    request,
                    "escalated",
                    Text(
                        gettext_noop("超时诉求上报%(target)s %(number)s"),
                        {"target": target, "number": request.number},
                        translated=("target",),
                        context="escalation target",
                    ),
                    f"{request.category.name}：{request.description[:60]}",
                    _escalation_targets(request, level),
                    level=level,
                )
        request.next_sla_check_at = sla.next_check(request, states, fired)
        fields.append("next_sla_check_at")
        request.save(update_fields=[*set(fields), "updated_at"])
        return [key for key, _, _ in due]


def sla_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Check every request whose next SLA check time has come. Safe to run anywhere, any time."""
    now = now or clock.now()
    ids = list(
        ServiceRequest.objects.filter(next_sla_check_at__lte=now)
        .order_by("next_sla_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        sla_check(request_id=pk, now=now)
    return len(ids)


def sla_recompute_for_holidays(*, years: Iterable[int], batch: int = 500) -> int:
    """Recompute the deadlines of the open requests that may run over ``years``: a
    holiday table changed (``redprop.calendars.signals.holidays_changed``), so a
    deadline counted in working time may move, and a request flagged 节假日安排未录入
    may now have its table. Runs inside the caller's transaction; returns how many
    requests were recomputed. The timeline gets no event: the deadline is what the
    loaded calendar says it always was."""
    years = sorted(years)
    if not years:
        return 0
    since = dt.datetime(years[0], 1, 1, tzinfo=dt.UTC) - dt.timedelta(days=1)
    reaching = (
        Q(holidays_missing=True)
        | Q(respond_due_at__gte=since)
        | Q(resolve_due_at__gte=since)
        | Q(plan_due_at__gte=since)
        | Q(next_sla_check_at__gte=since)
    )
    ids = list(
        ServiceRequest.objects.filter(reaching, status__in=OPEN_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        for request in ServiceRequest.objects.select_for_update().filter(
            pk__in=ids[start : start + batch]
        ):
            _recompute_sla(request)
            _save(request, _SLA_FIELDS)
    return len(ids)


def auto_close_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Close resolved requests nobody rated within the policy's days (default 7)."""
    now = now or clock.now()
    closed = 0
    candidates = ServiceRequest.objects.filter(
        status__in=[Status.RESOLVED, Status.RATED], resolved_at__lte=now - dt.timedelta(days=1)
    ).select_related("policy")[:limit]
    for r in candidates:
        if r.resolved_at and r.resolved_at <= now - dt.timedelta(days=r.policy.auto_close_days):
            request_close(
                request=r, acting_user=None, note=gettext_noop("超过评价期限，系统自动关闭")
            )
            closed += 1
    return closed
