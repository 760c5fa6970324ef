"""/api/v1/service-lists: the community service list (needs and resources), posting,
two-way claiming and the steps of the workflow table, a need from a request and a
request from a need."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja import Status as HttpStatus
from ninja.files import UploadedFile

from redprop.core.inputs import Id, Text
from redprop.service_lists import permissions, selectors, services
from redprop.service_lists.choices import CARE_ANONYMOUS, Care, ServiceClass, Side, Status
from redprop.service_lists.models import TEXT_MAX, TITLE_MAX, ServiceItem
from redprop.service_lists.workflow import WORKFLOW

router = Router(tags=["service-lists 服务清单"])

LIST_MAX = 200


class ItemOut(Schema):
    id: int
    side: str
    service_class: str
    service_class_label: str
    care: str
    care_group: str
    beneficiary: str
    beneficiary_named: bool
    title: str
    description: str
    status: str
    status_label: str
    due_on: dt.date | None
    days_overdue: int
    community_id: int | None
    compound_id: int | None
    offered_by_id: int | None
    offered_by: str
    claimed_org_id: int | None
    claimed_by_me: bool
    claimed_at: dt.datetime | None
    completed_at: dt.datetime | None
    completion_note: str
    photos: int
    source_request_id: int | None
    spawned_request_id: int | None
    actions: list[str]
    url: str


class ItemIn(Schema):
    side: Side
    service_class: ServiceClass
    title: Text(TITLE_MAX, required=True)  # type: ignore[valid-type]
    description: Text(TEXT_MAX) = ""  # type: ignore[valid-type]
    care: Care = Care.NONE
    due_on: dt.date | None = None
    compound_id: Id | None = None
    community_id: Id | None = None
    beneficiary_id: Id | None = None
    offered_by_id: Id | None = None


class FromRequestIn(Schema):
    request_id: Id
    service_class: ServiceClass
    care: Care = Care.NONE
    due_on: dt.date | None = None
    title: Text(TITLE_MAX) = ""  # type: ignore[valid-type]


class ClaimIn(Schema):
    org_id: Id | None = None
    for_person_id: Id | None = None
    note: Text(TEXT_MAX) = ""  # type: ignore[valid-type]


class NoteIn(Schema):
    note: Text(TEXT_MAX) = ""  # type: ignore[valid-type]


class EvidenceIn(Schema):
    note: Text(TEXT_MAX, required=True)  # type: ignore[valid-type]


class ReasonIn(Schema):
    reason: Text(TEXT_MAX, required=True)  # type: ignore[valid-type]


class SpawnIn(Schema):
    category: Text(32) = "public_repair"  # type: ignore[valid-type]


class SpawnOut(Schema):
    request_id: int
    number: str


def _out(request: HttpRequest, item: ServiceItem, *, reveal: bool = False) -> dict[str, Any]:
    user: Any = request.user
    if reveal:
        label, named = services.beneficiary_label(item=item, user=user)
    else:
        person_id = item.beneficiary_id or item.claimed_for_id
        own = person_id is not None and person_id == user.person_id
        label = _("本人") if own else (str(CARE_ANONYMOUS[Care(item.care)]) if item.care else "")
        named = own
    return {
        "id": item.pk,
        "side": item.side,
        "service_class": item.service_class,
        "service_class_label": str(item.get_service_class_display()),
        "care": item.care,
        "care_group": item.care_group,
        "beneficiary": label,
        "beneficiary_named": named,
        "title": item.title,
        "description": item.description,
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "due_on": item.due_on,
        "days_overdue": item.days_overdue(),
        "community_id": item.community_id,
        "compound_id": item.compound_id,
        "offered_by_id": item.offered_by_id,
        "offered_by": item.offered_by.name if item.offered_by is not None else "",
        "claimed_org_id": item.claimed_org_id,
        "claimed_by_me": item.claimed_by_id == user.pk,
        "claimed_at": item.claimed_at,
        "completed_at": item.completed_at,
        "completion_note": item.completion_note,
        "photos": item.photos.count() if reveal and permissions.may_see_evidence(user, item) else 0,
        "source_request_id": item.source_request_id,
        "spawned_request_id": item.spawned_request_id,
        "actions": sorted(WORKFLOW.available(user, item)),
        "url": item.get_absolute_url(),
    }


def _read(request: HttpRequest, item_id: int) -> dict[str, Any]:
    item = services.item_get(acting_user=request.user, item_id=item_id)
    return _out(request, item, reveal=True)


@router.get("/items", response=list[ItemOut])
def service_item_list(
    request: HttpRequest,
    side: Side | None = None,
    service_class: ServiceClass | None = None,
    status: Status | None = None,
    care: Literal["old", "young", "elderly_alone", "elderly", "child"] | None = None,
    overdue: bool = False,
) -> Any:
    """The service list of the user's communities: open first, nearest due date first.
    ``care``: ``old`` (一老), ``young`` (一小) or one care kind. Care recipients are anonymised here (the detail names them to the roles that may)."""
    rows = selectors.item_list(
        user=request.user,
        side=side or "",
        service_class=service_class or "",
        status=status or "",
        care=care or "",
        overdue=overdue,
    )[:LIST_MAX]
    return [_out(request, i) for i in rows]


@router.post("/items", response={201: ItemOut})
def service_item_post(request: HttpRequest, payload: ItemIn) -> Any:
    """Post a need (上报需求) or offer a resource (提供资源)."""
    item = services.item_post(acting_user=request.user, **payload.dict())
    return HttpStatus(201, _out(request, item))


@router.post("/items/from-request", response={201: ItemOut})
def service_item_from_request(request: HttpRequest, payload: FromRequestIn) -> Any:
    """A need from a service request, linked both ways (one need per request)."""
    item = services.item_from_request(acting_user=request.user, **payload.dict())
    return HttpStatus(201, _out(request, item))


@router.get("/items/{item_id}", response=ItemOut)
def service_item_read(request: HttpRequest, item_id: int) -> Any:
    """One item; a care recipient is named only to the roles that may see people's tags
    (the read is logged)."""
    return _read(request, item_id)


@router.post("/items/{item_id}/claim", response=ItemOut)
def service_item_claim(request: HttpRequest, item_id: int, payload: ClaimIn) -> Any:
    """认领. An item already claimed: 409 ``service_item_already_claimed``."""
    services.item_claim(acting_user=request.user, item_id=item_id, **payload.dict())
    return _read(request, item_id)


@router.post("/items/{item_id}/start", response=ItemOut)
def service_item_start(request: HttpRequest, item_id: int, payload: NoteIn) -> Any:
    services.item_start(acting_user=request.user, item_id=item_id, note=payload.note)
    return _read(request, item_id)


@router.post("/items/{item_id}/complete", response=ItemOut)
def service_item_complete(
    request: HttpRequest,
    item_id: int,
    payload: Form[EvidenceIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """完成服务: multipart, a note and up to 4 photos."""
    services.item_complete(
        acting_user=request.user, item_id=item_id, note=payload.note, photos=photos or []
    )
    return _read(request, item_id)


@router.post("/items/{item_id}/release", response=ItemOut)
def service_item_release(request: HttpRequest, item_id: int, payload: ReasonIn) -> Any:
    services.item_release(acting_user=request.user, item_id=item_id, reason=payload.reason)
    return _read(request, item_id)


@router.post("/items/{item_id}/cancel", response=ItemOut)
def service_item_cancel(request: HttpRequest, item_id: int, payload: ReasonIn) -> Any:
    services.item_cancel(acting_user=request.user, item_id=item_id, reason=payload.reason)
    return _read(request, item_id)


@router.post("/items/{item_id}/spawn-request", response={201: SpawnOut})
def service_item_spawn_request(request: HttpRequest, item_id: int, payload: SpawnIn) -> Any:
    """转为诉求工单 (the community's staff)."""
    r = services.item_spawn_request(
        acting_user=request.user, item_id=item_id, category_code=payload.category
    )
    return HttpStatus(201, {"request_id": r.pk, "number": r.number})
