"""Intake (居民下单): filing a request from any channel, and adding photos to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.core import clock, inputs, rows
from redprop.core.errors import ApplicationError, ErrorCode
from redprop.requests import permissions, policies, search, stats
from redprop.requests.choices import Channel, EventKind
from redprop.requests.errors import RequestError
from redprop.requests.models import Category, RequestPhoto, ServiceRequest
from redprop.requests.photos import MAX_PHOTOS, clean_photo, new_token
from redprop.requests.services.base import event, lock, new_event, recompute_sla, require
from redprop.requests.services.dispatch import notify_dispatched, set_dispatch


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


def unknown_place(kind: str) -> ApplicationError:
    """The answer to a place id that does not exist, or that the user may not file at."""
    messages = {
        "unit": (_("房屋不存在"), "unit_id"),
        "building": (_("楼栋不存在"), "building_id"),
        "compound": (_("小区不存在"), "compound_id"),
    }
    message, field = messages[kind]
    return ApplicationError(RequestError.PLACE_REQUIRED, message, field=field)


@transaction.atomic
def request_file(
    *,
    acting_user: User,
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
        # The resident files for themself; their person is loaded with the token.
        reporter = acting_user.person if User.person.is_cached(acting_user) else None
        reporter_id: int | None = acting_user.person_id
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
    events = [new_event(request, EventKind.FILED, actor=acting_user, at=now, channel=channel)]
    cells: list[tuple[ServiceRequest, int | None, dict[str, int]]] = [(request, None, {"filed": 1})]
    route = policies.route_for(category=category, place=place, compound=compound)
    auto_org = route.org if route.auto_dispatch else None
    dispatched = auto_org is not None
    if auto_org is not None:
        filed_status = request.status
        set_dispatch(request, org=auto_org, assignee=None, mode=route.assignment, at=now)
        events.append(
            new_event(
                request,
                EventKind.DISPATCHED,
                actor=None,
                from_status=filed_status,
                at=now,
                assignee=request.assignee_id,
            )
        )
        recompute_sla(request, events, fired=set())
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
        notify_dispatched(request, at=now)
    request.new_events = events
    request.new_photos = new_photos
    return request


@transaction.atomic
def photo_add(
    *, request: ServiceRequest, upload: Any, kind: str, acting_user: User
) -> RequestPhoto:
    request = lock(request)
    require(
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
    event(request, EventKind.PHOTO, actor=acting_user, photo=photo.pk, photo_kind=kind)
    return photo
