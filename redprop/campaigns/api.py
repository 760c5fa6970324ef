"""/api/v1/campaigns: launch and close campaigns; report, assign, fix, verify and
reject items; raise an item from a request or spawn one; progress."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from redprop.campaigns import permissions, selectors, services
from redprop.campaigns.choices import AreaLevel, Hazard, ItemStatus, Severity, Topic, UnitRole
from redprop.campaigns.errors import CampaignError
from redprop.campaigns.models import (
    CHECK_MAX,
    CHECKLIST_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Campaign,
    CampaignItem,
)
from redprop.campaigns.workflow import WORKFLOW
from redprop.core.errors import ApplicationError, NotFound
from redprop.core.inputs import Id, Int, Text

router = Router(tags=["campaigns 专项整治"])


class UnitIn(Schema):
    org_id: Id
    role: UnitRole


class CampaignIn(Schema):
    title: Text(TITLE_MAX)  # type: ignore[valid-type]
    topic: Topic
    area_level: AreaLevel
    area_id: Id
    starts_on: dt.date
    ends_on: dt.date
    checklist: list[Text(CHECK_MAX)] = []  # type: ignore[valid-type]
    units: list[UnitIn] = []
    description: Text(TEXT_MAX) = ""  # type: ignore[valid-type]


class CampaignOut(Schema):
    id: int
    title: str
    topic: str
    area_level: str
    area_id: int
    area_name: str
    starts_on: dt.date
    ends_on: dt.date
    status: str
    checklist: list[str]
    url: str

    @staticmethod
    def resolve_url(obj: Campaign) -> str:
        return obj.get_absolute_url()


class ProgressOut(Schema):
    campaign: CampaignOut
    total: dict[str, Any]
    by_compound: list[dict[str, Any]]
    by_unit: list[dict[str, Any]]


class ItemOut(Schema):
    id: int
    campaign_id: int
    status: str
    hazard: str
    severity: str
    compound_id: int
    building_id: int | None
    location_text: str
    description: str
    assigned_org_id: int | None
    assignee_id: int | None
    due_on: dt.date | None
    refound_of_id: int | None
    source_request_id: int | None
    spawned_request_id: int | None
    rejections: int
    actions: list[str] = []


class ItemIn(Schema):
    hazard: Hazard
    severity: Severity
    building_id: Id | None = None
    compound_id: Id | None = None
    description: Text(TEXT_MAX) = ""  # type: ignore[valid-type]
    location_text: Text(128) = ""  # type: ignore[valid-type]
    check_index: Int(0, CHECKLIST_MAX) | None = None  # type: ignore[valid-type]


class FromRequestIn(Schema):
    request_id: Id
    hazard: Hazard
    severity: Severity


class AssignIn(Schema):
    org_id: Id
    assignee_id: Id | None = None
    due_on: dt.date | None = None


class NoteIn(Schema):
    note: Text(TEXT_MAX) = ""  # type: ignore[valid-type]


class ReasonIn(Schema):
    reason: Text(TEXT_MAX)  # type: ignore[valid-type]


class SpawnOut(Schema):
    request_id: int
    number: str


def _scope(request: HttpRequest) -> Any:
    return request.user.scope_set(*permissions.READER_ROLES)  # type: ignore[union-attr]


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    c = Campaign.objects.filter(pk=campaign_id).first()
    if c is None or not permissions.can_read_campaign(request.user, c):
        raise NotFound()
    return c


def _item(request: HttpRequest, item_id: int) -> CampaignItem:
    it = CampaignItem.objects.select_related("campaign").filter(pk=item_id).first()
    if it is None or not permissions.can_read_item(request.user, it):
        raise NotFound()
    it.actions = sorted(WORKFLOW.available(request.user, it))  # type: ignore[attr-defined]
    return it


def _out(request: HttpRequest, item: CampaignItem) -> CampaignItem:
    item.actions = sorted(WORKFLOW.available(request.user, item))  # type: ignore[attr-defined]
    return item


@router.get("", response=list[CampaignOut])
def campaign_list(request: HttpRequest) -> Any:
    return list(selectors.campaign_list(user=request.user)[:200])


@router.post("", response={201: CampaignOut})
def campaign_create(request: HttpRequest, payload: CampaignIn) -> Any:
    from redprop.orgs.models import Org

    if len(payload.checklist) > CHECKLIST_MAX:
        raise ApplicationError(CampaignError.BAD_CHECKLIST, "≤ 30", field="checklist")
    orgs = {o.pk: o for o in Org.objects.filter(pk__in=[u.org_id for u in payload.units])}
    units = []
    for u in payload.units:
        if u.org_id not in orgs:
            raise ApplicationError(CampaignError.BAD_UNIT, _("单位不存在"), field="units")
        units.append((orgs[u.org_id], u.role))
    data = payload.dict()
    data["units"] = units
    return Status(201, services.campaign_create(acting_user=request.user, **data))


@router.get("/items/{item_id}", response=ItemOut)
def campaign_item_read(request: HttpRequest, item_id: int) -> Any:
    return _item(request, item_id)


@router.post("/items/{item_id}/assign", response=ItemOut)
def campaign_item_assign(request: HttpRequest, item_id: int, payload: AssignIn) -> Any:
    from redprop.accounts.models import User
    from redprop.orgs.models import Org

    item = _item(request, item_id)
    org = Org.objects.filter(pk=payload.org_id).first()
    assignee = User.objects.filter(pk=payload.assignee_id).first() if payload.assignee_id else None
    if payload.assignee_id and assignee is None:
        raise ApplicationError(CampaignError.NOT_A_UNIT, _("整改人不存在"), field="assignee_id")
    item = services.item_assign(
        item=item, acting_user=request.user, org=org, assignee=assignee, due_on=payload.due_on
    )
    return _out(request, item)


@router.post("/items/{item_id}/fix", response=ItemOut)
def campaign_item_fix(
    request: HttpRequest,
    item_id: int,
    payload: Form[NoteIn],
    photo: File[UploadedFile],
) -> Any:
    item = services.item_fix(
        item=_item(request, item_id), acting_user=request.user, photo=photo, note=payload.note
    )
    return _out(request, item)


@router.post("/items/{item_id}/verify", response=ItemOut)
def campaign_item_verify(request: HttpRequest, item_id: int, payload: NoteIn) -> Any:
    item = services.item_verify(
        item=_item(request, item_id), acting_user=request.user, note=payload.note
    )
    return _out(request, item)


@router.post("/items/{item_id}/reject", response=ItemOut)
def campaign_item_reject(request: HttpRequest, item_id: int, payload: ReasonIn) -> Any:
    item = services.item_reject(
        item=_item(request, item_id), acting_user=request.user, reason=payload.reason
    )
    return _out(request, item)


@router.post("/items/{item_id}/spawn-request", response={201: SpawnOut})
def campaign_item_spawn(request: HttpRequest, item_id: int) -> Any:
    r = services.item_spawn_request(item=_item(request, item_id), acting_user=request.user)
    return Status(201, {"request_id": r.pk, "number": r.number})


@router.get("/{campaign_id}", response=ProgressOut)
def campaign_read(request: HttpRequest, campaign_id: int) -> Any:
    c = _campaign(request, campaign_id)
    return {"campaign": c, **selectors.progress(campaign=c)}


@router.post("/{campaign_id}/close", response=CampaignOut)
def campaign_close(request: HttpRequest, campaign_id: int) -> Any:
    return services.campaign_close(
        campaign=_campaign(request, campaign_id), acting_user=request.user
    )


@router.get("/{campaign_id}/items", response=list[ItemOut])
def campaign_items(request: HttpRequest, campaign_id: int, status: ItemStatus | None = None) -> Any:
    c = _campaign(request, campaign_id)
    return [
        _out(request, i)
        for i in selectors.item_list(campaign=c, scope=_scope(request), status=status)[:500]
    ]


@router.post("/{campaign_id}/items", response={201: ItemOut})
def campaign_item_report(
    request: HttpRequest,
    campaign_id: int,
    payload: Form[ItemIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Any:
    """巡查发现: multipart with up to 4 photos."""
    item = services.item_report(
        campaign=_campaign(request, campaign_id),
        acting_user=request.user,
        photos=photos or [],
        **payload.dict(),
    )
    return Status(201, _out(request, item))


@router.post("/{campaign_id}/items/from-request", response={201: ItemOut})
def campaign_item_from_request(
    request: HttpRequest, campaign_id: int, payload: FromRequestIn
) -> Any:
    from redprop.requests.models import ServiceRequest

    c = _campaign(request, campaign_id)
    sr = ServiceRequest.objects.filter(pk=payload.request_id).first()
    if sr is None:
        raise NotFound()
    item = services.item_from_request(
        request=sr,
        campaign=c,
        acting_user=request.user,
        hazard=payload.hazard,
        severity=payload.severity,
    )
    return Status(201, _out(request, item))
