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
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.requests import permissions, policies, search, sla, stats
from redprop.requests.choices import (
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


def guard_transition(request: ServiceRequest, *, to: str) -> None:
    if to not in TRANSITIONS[request.status]:
        raise Conflict(
            RequestError.INVALID_TRANSITION,
            f"诉求当前状态为“{Status(request.status).label}”，不能{_VERB.get(to, '执行此操作')}",
        )


_VERB: dict[str, str] = {
    Status.DISPATCHED: "派单",
    Status.RETURNED: "退单",
    Status.ACCEPTED: "接单",
    Status.ON_SITE: "登记到场",
    Status.PLAN_REQUIRED: "转为出具方案",
    Status.PLAN_SUBMITTED: "提交方案",
    Status.WAITING_ON_RESIDENT: "暂停计时",
    Status.RESOLVED: "办结",
    Status.RATED: "评价",
    Status.REOPENED: "重新办理",
    Status.ESCALATED: "上报",
    Status.CLOSED: "关闭",
    Status.CANCELLED: "撤销",
    Status.MERGED: "合并",
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
        raise Conflict(RequestError.STALE_VERSION, "诉求已被他人更新，请刷新后重试")
    return locked


def _events(request: ServiceRequest) -> list[RequestEvent]:
    return list(RequestEvent.objects.filter(request=request).order_by("at", "id"))


def _event(
    request: ServiceRequest,
    kind: str,
    *,
    actor: Any,
    from_status: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    **data: Any,
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),
        from_status=from_status,
        to_status=request.status,
        org_id=request.handling_org_id,
        note=note,
        data=data,
    )


def _recompute_sla(request: ServiceRequest, events: list[RequestEvent] | None = None) -> None:
    """Store the deadlines and the next check time derived from the timeline."""
    events = _events(request) if events is None else events
    states = sla.clocks(request, events)
    request.respond_due_at = states["respond"].due_at
    request.resolve_due_at = states["resolve"].due_at
    request.plan_due_at = states["plan"].due_at if "plan" in states else None
    fired = set(SlaCheckpoint.objects.filter(request=request).values_list("key", flat=True))
    request.next_sla_check_at = sla.next_check(request, states, fired)


_SLA_FIELDS = ["respond_due_at", "resolve_due_at", "plan_due_at", "next_sla_check_at"]


def _save(request: ServiceRequest, fields: Iterable[str]) -> None:
    request.version += 1
    request.save(update_fields=[*set(fields), "version", "updated_at"])


def _reason(reason: str, what: str = "原因") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(RequestError.REASON_REQUIRED, f"请填写{what}", field="reason")
    return reason[:1000]


def _require(ok: bool, message: str = "您没有执行此操作的权限") -> None:
    if not ok:
        raise PermissionDenied(message)


def _notify(
    request: ServiceRequest,
    kind: str,
    subject: str,
    body: str,
    recipients: Iterable[Any],
    **payload: Any,
) -> None:
    from redprop.notifications.services import outbox_enqueue

    outbox_enqueue(
        kind=f"request.{kind}",
        subject=subject,
        body=body,
        link=f"/r/{request.pk}/",
        recipients=[u for u in recipients if u is not None],
        payload={
            "request": request.pk,
            "number": request.number,
            "status": request.status,
            **payload,
        },
        target=request,
        place={
            "city_id": request.city_id,
            "district_id": request.district_id,
            "street_id": request.street_id,
            "community_id": request.community_id,
            "grid_id": request.grid_id,
        },
        org_id=request.handling_org_id,
    )


def _users_with(*roles: str, **anchor: Any) -> list[Any]:
    """Active users holding any of ``roles`` at ``anchor`` (one query)."""
    from redprop.accounts.models import User

    return list(
        User.objects.filter(
            is_active=True,
            roles__role__in=roles,
            roles__revoked_at__isnull=True,
            **{f"roles__{k}": v for k, v in anchor.items()},
        ).distinct()
    )


def _handlers(request: ServiceRequest) -> list[Any]:
    """The people who must hear that an order arrived for the unit."""
    users = []
    if request.handling_org_id:
        users += _users_with(Role.COMPANY_STAFF, Role.UNIT_STAFF, org_id=request.handling_org_id)
    if request.assignee_id:
        users.append(request.assignee)
    return list({u.pk: u for u in users}.values())


def _reporters(request: ServiceRequest) -> list[Any]:
    from redprop.accounts.models import User

    person_ids = [request.reporter_id, *request.followers.values_list("person_id", flat=True)]
    return list(User.objects.filter(person_id__in=[p for p in person_ids if p], is_active=True))


def _escalation_targets(request: ServiceRequest, level: int) -> list[Any]:
    """grid (1) → community (2) → street (3)."""
    g = request.grid
    if level <= 1 and g is not None:
        return [u for u in (g.butler, g.grid_worker, g.maintenance_worker) if u]
    if level <= 2:
        return _users_with(Role.COMMUNITY_STAFF, region_id=request.community_id)
    return _users_with(Role.STREET_OFFICER, region_id=request.street_id)


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
        RequestError.PLACE_REQUIRED, "请选择问题发生的小区、楼栋或房屋", field="place"
    )


@transaction.atomic
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

    One transaction: request row, FILED event, rollup bump, and (when auto-dispatched)
    the dispatch with its outbox rows. Nothing is written if anything is refused.
    """
    description = (description or "").strip()
    if not description:
        raise ApplicationError(
            RequestError.DESCRIPTION_REQUIRED, "请描述遇到的问题", field="description"
        )
    if len(description) > 2000:
        raise ApplicationError(
            RequestError.DESCRIPTION_REQUIRED, "问题描述不能超过 2000 字", field="description"
        )
    if not category.is_active:
        raise ApplicationError(RequestError.UNKNOWN_CATEGORY, "该分类已停用", field="category")
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(RequestError.TOO_MANY_PHOTOS, "最多上传 9 张照片", field="photos")
    unit, building, compound, place = _resolve_place(unit, building, compound)
    _require(permissions.can_file_at(acting_user, place), "不能为您管辖范围以外的地点提交诉求")
    if channel == Channel.RESIDENT_APP and not acting_user.has_role(Role.RESIDENT):
        channel = Channel.WINDOW
    if reporter is None and channel == Channel.RESIDENT_APP:
        reporter = acting_user.person
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
        location_text=location_text[:128],
        reporter=reporter,
        filed_by=acting_user,
        anonymous=anonymous,
        external_ref=external_ref[:64],
        policy=policy,
        sla=policies.sla_snapshot(policy, severity=severity, urgent=urgent),
        created_at=now,
    )
    request.set_place(place)
    request.save()
    _event(request, EventKind.FILED, actor=acting_user, at=now, channel=channel)
    for content, w, h in cleaned:
        RequestPhoto.objects.create(
            request=request,
            token=new_token(),
            image=content,
            width=w,
            height=h,
            uploaded_by=acting_user,
        )
    stats.bump(request, org_id=None, filed=1)
    route = policies.route_for(category=category, place=place, compound=compound)
    if route.auto_dispatch and route.org is not None:
        _dispatch(
            request, org=route.org, assignee=None, mode=route.assignment, acting_user=None, at=now
        )
    return request


@transaction.atomic
def photo_add(*, request: ServiceRequest, upload: Any, kind: str, acting_user: Any) -> RequestPhoto:
    request = _lock(request)
    _require(
        permissions.can_handle(acting_user, request)
        or permissions.can_dispatch(acting_user, request)
        or permissions.is_reporter(acting_user, request)
    )
    if request.photos.count() >= MAX_PHOTOS * 2:
        raise ApplicationError(RequestError.TOO_MANY_PHOTOS, "照片数量已达上限", field="photo")
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
    from_status = request.status
    previous_org = request.handling_org_id
    if from_status == Status.DISPATCHED and request.responded_at is None and previous_org:
        stats.bump(request, org_id=previous_org, withdrawn=1)
    request.status = Status.DISPATCHED
    request.handling_org = org
    request.assignee = assignee or policies.assignee_for(request=request, org=org, mode=mode)
    now = at or clock.now()
    if request.clock_started_at is None:
        request.clock_started_at = now
    _event(
        request,
        EventKind.DISPATCHED,
        actor=acting_user,
        from_status=from_status,
        note=note,
        at=now,
        assignee=request.assignee_id,
    )
    _recompute_sla(request)
    _save(request, ["status", "handling_org", "assignee", "clock_started_at", *_SLA_FIELDS])
    # Only a dispatch still awaiting the first response enters the response rate.
    stats.bump(request, dispatched=int(request.responded_at is None))
    _notify(
        request,
        "dispatched",
        f"新派单 {request.number}",
        f"{request.category.name}：{request.description[:60]}",
        _handlers(request),
    )


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
    _require(permissions.can_dispatch(acting_user, request), "只有社区或街道工作人员可以派单")
    guard_transition(request, to=Status.DISPATCHED)
    if org is None:
        raise ApplicationError(RequestError.NO_HANDLER, "请选择承办单位", field="org_id")
    route = policies.route_for(category=request.category, place=request, compound=request.compound)
    mode = route.assignment if route.org and route.org.pk == org.pk else "grid_worker"
    _dispatch(request, org=org, assignee=assignee, mode=mode, acting_user=acting_user, note=note)
    return request


@transaction.atomic
def request_return(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """退单: the unit says the matter is not theirs; it goes back to the dispatcher."""
    reason = _reason(reason, "退单原因")
    request = _lock(request, expected_version)
    _require(permissions.can_handle(acting_user, request), "只有承办单位可以退单")
    guard_transition(request, to=Status.RETURNED)
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
        f"诉求被退单 {request.number}",
        f"退单原因：{reason}",
        _users_with(Role.COMMUNITY_STAFF, region_id=request.community_id),
    )
    return request


@transaction.atomic
def request_accept(
    *, request: ServiceRequest, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """接单: the unit takes the order. Of two people accepting at once, exactly one wins."""
    request = _lock(request, expected_version)
    _require(permissions.can_handle(acting_user, request), "只有承办单位可以接单")
    if request.status == Status.ACCEPTED:
        raise Conflict(RequestError.ALREADY_TAKEN, "该诉求已被他人接单")
    guard_transition(request, to=Status.ACCEPTED)
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
    acting_user: Any,
    to: str,
    kind: str,
    note: str = "",
    expected_version: int | None = None,
    **data: Any,
) -> ServiceRequest:
    request = _lock(request, expected_version)
    _require(permissions.can_handle(acting_user, request), "只有承办单位可以办理")
    guard_transition(request, to=to)
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
    """A special complex problem: a written plan is due within the plan clock (1 day)."""
    reason = _reason(reason, "需出具方案的原因")
    request = _handler_step(
        request,
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
            RequestError.INVALID_PLAN, "请填写处理方案（至少 5 个字）", field="plan"
        )
    if timezone.is_naive(resolve_by) or resolve_by <= clock.now():
        raise ApplicationError(
            RequestError.INVALID_PLAN, "方案完成时间须晚于当前时间", field="resolve_by"
        )
    request = _handler_step(
        request,
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
    reason = _reason(reason, "暂停原因")
    request = _lock(request, expected_version)
    _require(permissions.can_handle(acting_user, request), "只有承办单位可以暂停计时")
    guard_transition(request, to=Status.WAITING_ON_RESIDENT)
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
    _require(permissions.can_handle(acting_user, request), "只有承办单位可以恢复计时")
    if request.status != Status.WAITING_ON_RESIDENT:
        raise Conflict(RequestError.INVALID_TRANSITION, "诉求未处于暂停状态")
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
    note = _reason(note, "处理结果")
    cleaned = [clean_photo(p) for p in photos]
    request = _lock(request, expected_version)
    _require(permissions.can_handle(acting_user, request), "只有承办单位可以办结")
    guard_transition(request, to=Status.RESOLVED)
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
        f"您反映的问题已办结 {request.number}",
        f"处理结果：{note[:80]}。请对本次服务进行评价。",
        _reporters(request),
    )
    return request


# ---------------------------------------------------------------------------------
# the resident's word, and staff follow-up


def _record_rating(
    request: ServiceRequest, *, source: str, score: int | None, solved: bool, comment: str, by: Any
) -> None:
    if score is not None and score not in Satisfaction.values:
        raise ApplicationError(RequestError.INVALID_RATING, "满意度须为 1 至 5", field="score")
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
    _require(permissions.is_reporter(acting_user, request), "只有反映人可以评价")
    guard_transition(request, to=Status.RATED)
    if score is None:
        raise ApplicationError(RequestError.INVALID_RATING, "请选择满意度", field="score")
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
    _require(permissions.can_dispatch(acting_user, request), "只有社区或街道工作人员可以回访")
    guard_transition(request, to=Status.RATED)
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
    reason = _reason(reason, "重新办理的原因")
    request = _lock(request, expected_version)
    _require(
        permissions.is_reporter(acting_user, request)
        or permissions.can_dispatch(acting_user, request),
        "只有反映人或社区工作人员可以要求重新办理",
    )
    guard_transition(request, to=Status.REOPENED)
    limit = int(request.sla.get("max_reopens", 2))
    if request.reopen_count >= limit:
        raise ApplicationError(
            RequestError.REOPEN_LIMIT, f"该诉求已重新办理 {limit} 次，请联系社区", status=409
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
    _notify(request, "reopened", f"诉求重新办理 {request.number}", reason, _handlers(request))
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
        _require(
            permissions.can_dispatch(acting_user, request), "只有社区或街道工作人员可以关闭诉求"
        )
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
    staff = permissions.can_dispatch(acting_user, request)
    if staff:
        reason = _reason(reason, "撤销原因")
    else:
        _require(permissions.is_reporter(acting_user, request), "只有反映人或社区工作人员可以撤销")
        if request.status not in {Status.SUBMITTED, Status.DISPATCHED, Status.RETURNED}:
            raise Conflict(RequestError.INVALID_TRANSITION, "诉求已被接单，不能撤销，请联系社区")
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
        raise ApplicationError(RequestError.MERGE_INVALID, "不能合并到自身", field="into")
    # Lock both rows in id order so two opposite merges cannot deadlock.
    first, second = sorted([request.pk, into.pk])
    locked = {first: _lock(first), second: _lock(second)}
    request, into = locked[request.pk], locked[into.pk]
    if expected_version is not None and request.version != expected_version:
        raise Conflict(RequestError.STALE_VERSION, "诉求已被他人更新，请刷新后重试")
    _require(
        permissions.can_dispatch(acting_user, request)
        and permissions.can_dispatch(acting_user, into),
        "只有社区或街道工作人员可以合并诉求",
    )
    guard_transition(request, to=Status.MERGED)
    if not into.is_open or into.status == Status.MERGED:
        raise ApplicationError(RequestError.MERGE_INVALID, "目标诉求已关闭，不能合并", field="into")
    if into.community_id != request.community_id:
        raise ApplicationError(RequestError.MERGE_INVALID, "只能合并同一社区的诉求", field="into")
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
        f"您反映的问题已与 {into.number} 合并办理",
        "同一问题已有人反映，您将收到该诉求的办理进展。",
        _reporters(request),
        merged=request.pk,
    )
    return request


@transaction.atomic
def request_follow(*, request: ServiceRequest, acting_user: Any) -> RequestFollower | None:
    """一起关注: a resident follows an open request about the same problem."""
    request = _lock(request)
    person_id = acting_user.person_id
    if not person_id:
        raise PermissionDenied("只有居民可以关注诉求")
    if not request.is_open:
        raise Conflict(RequestError.INVALID_TRANSITION, "该诉求已关闭")
    if request.reporter_id == person_id:
        return None
    follower, created = RequestFollower.objects.get_or_create(request=request, person_id=person_id)
    if created:
        _event(
            request,
            EventKind.NOTE,
            actor=acting_user,
            from_status=request.status,
            note="居民表示同样遇到此问题（一起关注）",
        )
    return follower


@transaction.atomic
def request_escalate(
    *, request: ServiceRequest, reason: str, acting_user: Any, expected_version: int | None = None
) -> ServiceRequest:
    """上报: the community hands the request up to the street office."""
    reason = _reason(reason, "上报原因")
    request = _lock(request, expected_version)
    _require(
        permissions.can_dispatch(acting_user, request)
        or permissions.can_handle(acting_user, request),
        "您没有上报此诉求的权限",
    )
    guard_transition(request, to=Status.ESCALATED)
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
        f"诉求上报街道 {request.number}",
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
        states = sla.clocks(request, events)
        fired = set(SlaCheckpoint.objects.filter(request=request).values_list("key", flat=True))
        due = sla.checkpoints_due(request, states, now, fired)
        fields: list[str] = []
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
                    f"诉求即将超时 {request.number}",
                    f"{request.category.name}：请在时限内处理",
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
                target = {1: "网格", 2: "社区", 3: "街道"}.get(level, "上级")
                _event(
                    request,
                    EventKind.AUTO_ESCALATED,
                    actor=None,
                    at=now,
                    level=level,
                    note=f"超时未办结，自动上报{target}",
                )
                _notify(
                    request,
                    "escalated",
                    f"超时诉求上报{target} {request.number}",
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


def auto_close_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Close resolved requests nobody rated within the policy's days (default 7)."""
    now = now or clock.now()
    closed = 0
    candidates = ServiceRequest.objects.filter(
        status__in=[Status.RESOLVED, Status.RATED], resolved_at__lte=now - dt.timedelta(days=1)
    ).select_related("policy")[:limit]
    for r in candidates:
        if r.resolved_at and r.resolved_at <= now - dt.timedelta(days=r.policy.auto_close_days):
            request_close(request=r, acting_user=None, note="超过评价期限，系统自动关闭")
            closed += 1
    return closed
