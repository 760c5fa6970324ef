"""Writes of special campaigns (专项整治). Each is atomic: on error nothing is written.

Guarantees (tested in ``tests/``):

* a campaign covers an area inside its organiser's scope, over a period of at most a
  year, with a checklist of at most 30 lines;
* an item is found inside the campaign's area (``campaign_item_outside_area``) and
  period (``campaign_item_outside_period``), while the campaign is active, with a
  photo (unless raised from a service request, which has its own);
* a hazard of the same type found again at the same place (building, else compound)
  after an earlier item is flagged (``refound_of``);
* an item is assigned only to a participating unit; fixed with an after-photo;
  verified by another person than who fixed it, or rejected back;
* every step leaves an event on the item's timeline and an audit row.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.campaigns import permissions
from redprop.campaigns.choices import (
    REQUEST_CATEGORY,
    AreaLevel,
    CampaignStatus,
    DueNotice,
    Hazard,
    ItemStatus,
    Severity,
    Topic,
    UnitRole,
)
from redprop.campaigns.errors import CampaignError
from redprop.campaigns.models import (
    CHECK_MAX,
    CHECKLIST_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Campaign,
    CampaignItem,
    CampaignItemEvent,
    CampaignPhoto,
    CampaignUnit,
)
from redprop.campaigns.workflow import WORKFLOW
from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import checked_text
from redprop.core.models import AuditEvent
from redprop.territory.places import scope_columns_of

MAX_PHOTOS = 4
MAX_DAYS = 366


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    return checked_text(
        value, field=field, max_length=max_length, required=required, blank_code=CampaignError.EMPTY
    )


def _area_node(level: str, area_id: int) -> Any:
    from redprop.territory.models import Compound, Region

    if level in (AreaLevel.STREET, AreaLevel.COMMUNITY):
        return Region.objects.filter(pk=area_id, level=level).first()
    if level == AreaLevel.COMPOUND:
        return Compound.objects.filter(pk=area_id).first()
    return None


def visible_campaigns(user: Any) -> Any:
    from redprop.campaigns.selectors import campaigns_visible

    return campaigns_visible(user=user)


def visible_items(user: Any) -> QuerySet[CampaignItem]:
    return cast(
        QuerySet[CampaignItem],
        user.scope_set(*permissions.READER_ROLES).filter(CampaignItem.objects.all()),
    )


# --- campaigns ---------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    acting_user: Any,
    title: str,
    topic: str,
    area_level: str,
    area_id: int,
    starts_on: dt.date,
    ends_on: dt.date,
    checklist: Sequence[str] = (),
    units: Sequence[tuple[Any, str]] = (),
    description: str = "",
) -> Campaign:
    """Launch a campaign over an area inside the organiser's scope."""
    title = _text(title, field="title", max_length=TITLE_MAX, required=True)
    description = _text(description, field="description", max_length=TEXT_MAX)
    if topic not in Topic.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("主题无效"), field="topic")
    if area_level not in AreaLevel.values:
        raise ApplicationError(CampaignError.BAD_AREA, _("范围层级无效"), field="area_level")
    node = _area_node(area_level, area_id)
    if node is None:
        raise ApplicationError(CampaignError.BAD_AREA, _("整治范围不存在"), field="area_id")
    if not permissions.can_organise(acting_user, node):
        raise ApplicationError(
            CampaignError.AREA_OUT_OF_SCOPE,
            _("只能在您管辖的范围内开展专项整治"),
            field="area_id",
            status=403,
        )
    if ends_on < starts_on or (ends_on - starts_on).days > MAX_DAYS:
        raise ApplicationError(
            CampaignError.BAD_PERIOD,
            _("结束日期须不早于开始日期，且整治期不超过一年"),
            field="ends_on",
        )
    if len(checklist) > CHECKLIST_MAX:
        raise ApplicationError(
            CampaignError.BAD_CHECKLIST,
            _("检查清单最多 %(n)s 项") % {"n": CHECKLIST_MAX},
            field="checklist",
        )
    lines = [
        _text(line, field="checklist", max_length=CHECK_MAX, required=True) for line in checklist
    ]
    campaign = Campaign(
        title=title,
        topic=topic,
        area_level=area_level,
        area_id=node.pk,
        area_name=str(node)[:128],
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=lines,
        description=description,
        created_by=acting_user,
    )
    campaign.set_place(node)
    if area_level == AreaLevel.COMPOUND:
        campaign.compound = node
    campaign.save()
    for org, role in units:
        campaign_add_unit(campaign=campaign, org=org, role=role, acting_user=acting_user)
    audit(actor=acting_user, event=AuditEvent.CAMPAIGN_CREATED, target=campaign)
    return campaign


@transaction.atomic
def campaign_add_unit(*, campaign: Campaign, org: Any, role: str, acting_user: Any) -> CampaignUnit:
    """Add a participating unit (community, police, housing office, property company)."""
    if not permissions.is_organiser(acting_user, campaign):
        raise PermissionDenied()
    if role not in UnitRole.values:
        raise ApplicationError(CampaignError.BAD_UNIT, _("单位角色无效"), field="units")
    if org is None or getattr(org, "pk", None) is None:
        raise ApplicationError(CampaignError.BAD_UNIT, _("单位不存在"), field="units")
    unit, _created = CampaignUnit.objects.get_or_create(
        campaign=campaign, org=org, defaults={"role": role}
    )
    return unit


@transaction.atomic
def campaign_close(*, campaign: Campaign, acting_user: Any) -> Campaign:
    campaign = (
        visible_campaigns(acting_user)
        .select_for_update(of=("self",))
        .filter(pk=campaign.pk)
        .first()
    )
    if campaign is None:
        raise NotFound()
    if not permissions.is_organiser(acting_user, campaign):
        raise PermissionDenied()
    if campaign.status == CampaignStatus.CLOSED:
        raise ApplicationError(CampaignError.CLOSED, _("专项整治已结束"), status=409)
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = clock.now()
    campaign.save(update_fields=["status", "closed_at", "updated_at"])
    audit(actor=acting_user, event=AuditEvent.CAMPAIGN_STATUS_CHANGED, target=campaign)
    return campaign


# --- items -------------------------------------------------------------------------------


def _event(item: CampaignItem, kind: str, actor: Any, *, before: str = "", note: str = "") -> None:
    CampaignItemEvent.objects.create(
        item=item,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=before,
        to_status=item.status,
        note=note[:TEXT_MAX],
        at=clock.now(),
    )


def _add_photo(item: CampaignItem, upload: Any, kind: str, acting_user: Any, field: str) -> None:
    from redprop.requests.photos import clean_photo

    content, _w, _h = clean_photo(upload, field=field)
    photo = CampaignPhoto(item=item, kind=kind, token=secrets.token_hex(8), uploaded_by=acting_user)
    photo.image.save(content.name, content, save=False)
    photo.save()


def _place(building_id: int | None, compound_id: int | None) -> tuple[Any, Any]:
    from redprop.territory.models import Building, Compound

    if building_id:
        building = Building.objects.select_related("compound").filter(pk=building_id).first()
        if building is None:
            raise ApplicationError(CampaignError.BAD_PLACE, _("楼栋不存在"), field="building_id")
        return building.compound, building
    if compound_id:
        compound = Compound.objects.filter(pk=compound_id).first()
        if compound is None:
            raise ApplicationError(CampaignError.BAD_PLACE, _("小区不存在"), field="compound_id")
        return compound, None
    raise ApplicationError(
        CampaignError.BAD_PLACE, _("请选择隐患所在的小区或楼栋"), field="building_id"
    )


@transaction.atomic
def item_report(
    *,
    campaign: Campaign,
    acting_user: Any,
    hazard: str,
    severity: str,
    building_id: int | None = None,
    compound_id: int | None = None,
    description: str = "",
    location_text: str = "",
    photos: Sequence[Any] = (),
    check_index: int | None = None,
    source_request: Any = None,
    at: dt.datetime | None = None,
) -> CampaignItem:
    """A hazard found on patrol (巡查发现): inside the campaign's area and period."""
    locked = Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
    if locked is None:
        raise NotFound()
    campaign = locked
    if hazard not in Hazard.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("隐患类型无效"), field="hazard")
    if severity not in Severity.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("隐患等级无效"), field="severity")
    description = _text(description, field="description", max_length=TEXT_MAX)
    location_text = _text(location_text, field="location_text", max_length=128)
    compound, building = _place(building_id, compound_id)
    place = scope_columns_of(building or compound)
    if not permissions.is_finder(acting_user, campaign, place):
        raise PermissionDenied(_("您不参与该专项整治，或该地点不在您的管辖范围内"))
    if not campaign.covers(place, compound.pk):
        raise ApplicationError(
            CampaignError.OUTSIDE_AREA,
            _("该地点不在本次整治范围（%(area)s）内") % {"area": campaign.area_name},
            field="building_id" if building else "compound_id",
        )
    now = at or clock.now()
    day = timezone.localtime(now).date()
    if campaign.status != CampaignStatus.ACTIVE or not (
        campaign.starts_on <= day <= campaign.ends_on
    ):
        raise ApplicationError(
            CampaignError.OUTSIDE_PERIOD,
            _("不在整治期内（%(start)s 至 %(end)s）")
            % {"start": campaign.starts_on, "end": campaign.ends_on},
            field="found_at",
        )
    if check_index is not None and not (0 <= check_index < len(campaign.checklist)):
        raise ApplicationError(ErrorCode.VALIDATION, _("检查项无效"), field="check_index")
    if source_request is None and not photos:
        raise ApplicationError(CampaignError.PHOTO_REQUIRED, _("请拍摄隐患照片"), field="photos")
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("最多 %(n)s 张照片") % {"n": MAX_PHOTOS}, field="photos"
        )
    earlier = (
        CampaignItem.objects.filter(hazard=hazard, compound=compound, building=building)
        .order_by("-found_at", "-id")
        .first()
    )
    item = CampaignItem(
        campaign=campaign,
        compound=compound,
        building=building,
        location_text=location_text,
        hazard=hazard,
        severity=severity,
        description=description,
        check_index=check_index,
        found_by=acting_user,
        found_at=now,
        refound_of=earlier,
        source_request=source_request,
    )
    item.set_place(building or compound)
    item.save()
    for upload in photos:
        _add_photo(item, upload, "before", acting_user, "photos")
    _event(item, "found", acting_user, note=description)
    audit(
        actor=acting_user,
        event=AuditEvent.CAMPAIGN_ITEM_FOUND,
        target=item,
        refound_of=earlier.pk if earlier else None,
    )
    return item


def item_from_request(
    *, request: Any, campaign: Campaign, acting_user: Any, hazard: str, severity: str
) -> CampaignItem:
    """Raise an item from a service request (a resident reported a blocked fire lane)."""
    from redprop.requests import permissions as request_permissions

    if not request_permissions.can_view(acting_user, request):
        raise NotFound()
    if CampaignItem.objects.filter(source_request=request, campaign=campaign).exists():
        raise ApplicationError(
            CampaignError.ALREADY_LINKED, _("该诉求已登记为本次整治问题"), status=409
        )
    return item_report(
        campaign=campaign,
        acting_user=acting_user,
        hazard=hazard,
        severity=severity,
        building_id=request.building_id,
        compound_id=request.compound_id,
        description=f"{request.number} {request.description}"[:TEXT_MAX],
        location_text=request.location_text,
        source_request=request,
    )


def _step_queryset(user: Any) -> QuerySet[CampaignItem]:
    return visible_items(user).select_related("campaign")


def item_assign(
    *,
    item: CampaignItem,
    acting_user: Any,
    org: Any,
    assignee: Any = None,
    due_on: dt.date | None = None,
) -> CampaignItem:
    """交办: to a participating unit (and one of its people), with a due date."""
    with WORKFLOW.step(
        "assign",
        acting_user,
        _step_queryset(acting_user),
        item.pk,
        update_fields=["assigned_org", "assignee", "due_on", "due_notice"],
    ) as it:
        if org is None or not it.campaign.units.filter(org_id=org.pk).exists():
            raise ApplicationError(
                CampaignError.NOT_A_UNIT, _("只能交给参与本次整治的单位"), field="org_id"
            )
        if (
            assignee is not None
            and not assignee.roles.filter(org_id=org.pk, revoked_at__isnull=True).exists()
        ):
            raise ApplicationError(
                CampaignError.NOT_A_UNIT, _("整改人须为该单位的工作人员"), field="assignee_id"
            )
        if due_on is not None and due_on < clock.today():
            raise ApplicationError(ErrorCode.VALIDATION, _("整改期限不能早于今天"), field="due_on")
        before = it.status
        it.assigned_org = org
        it.assignee = assignee
        if due_on != it.due_on:
            it.due_notice = DueNotice.NONE  # a new due date: the reminders start over
        it.due_on = due_on
        it.status = ItemStatus.ASSIGNED
        _event(it, "assigned", acting_user, before=before, note=str(org))
        audit(actor=acting_user, event=AuditEvent.CAMPAIGN_ITEM_STEP, target=it, step="assign")
    return it


def item_fix(*, item: CampaignItem, acting_user: Any, photo: Any, note: str = "") -> CampaignItem:
    """整改完成, with an after-photo."""
    note = _text(note, field="note", max_length=TEXT_MAX)
    with WORKFLOW.step(
        "fix",
        acting_user,
        _step_queryset(acting_user),
        item.pk,
        update_fields=["fixed_by", "fixed_at"],
    ) as it:
        if photo is None:
            raise ApplicationError(
                CampaignError.PHOTO_REQUIRED, _("请拍摄整改后照片"), field="photo"
            )
        _add_photo(it, photo, "after", acting_user, "photo")
        before = it.status
        it.fixed_by = acting_user
        it.fixed_at = clock.now()
        it.status = ItemStatus.FIXED
        _event(it, "fixed", acting_user, before=before, note=note)
        audit(actor=acting_user, event=AuditEvent.CAMPAIGN_ITEM_STEP, target=it, step="fix")
    return it


def item_verify(*, item: CampaignItem, acting_user: Any, note: str = "") -> CampaignItem:
    """验收销号, by another person than who fixed it."""
    note = _text(note, field="note", max_length=TEXT_MAX)
    with WORKFLOW.step(
        "verify",
        acting_user,
        _step_queryset(acting_user),
        item.pk,
        update_fields=["verified_by", "verified_at"],
    ) as it:
        if acting_user.pk in (it.fixed_by_id, it.assignee_id):
            raise ApplicationError(
                CampaignError.SAME_PERSON, _("验收须由整改人以外的人进行"), status=403
            )
        before = it.status
        it.verified_by = acting_user
        it.verified_at = clock.now()
        it.status = ItemStatus.VERIFIED
        _event(it, "verified", acting_user, before=before, note=note)
        audit(actor=acting_user, event=AuditEvent.CAMPAIGN_ITEM_STEP, target=it, step="verify")
    return it


def item_reject(*, item: CampaignItem, acting_user: Any, reason: str) -> CampaignItem:
    """退回重改: the fix is not accepted; back to the unit."""
    reason = _text(reason, field="reason", max_length=TEXT_MAX, required=True)
    with WORKFLOW.step(
        "reject",
        acting_user,
        _step_queryset(acting_user),
        item.pk,
        update_fields=["rejections", "fixed_by", "fixed_at"],
    ) as it:
        before = it.status
        it.rejections += 1
        it.fixed_by = None
        it.fixed_at = None
        it.status = ItemStatus.ASSIGNED
        _event(it, "rejected", acting_user, before=before, note=reason)
        audit(actor=acting_user, event=AuditEvent.CAMPAIGN_ITEM_STEP, target=it, step="reject")
    return it


@transaction.atomic
def item_spawn_request(*, item: CampaignItem, acting_user: Any) -> Any:
    """转为诉求: file a service request for the hazard (it then follows the request
    workflow: dispatch, 5341 deadlines…), linked both ways."""
    from redprop.requests.models import Category
    from redprop.requests.services import request_file

    it = _step_queryset(acting_user).select_for_update(of=("self",)).filter(pk=item.pk).first()
    if it is None:
        raise NotFound()
    if not permissions.is_inspector(acting_user, it):
        raise PermissionDenied()
    if it.spawned_request_id is not None:
        raise ApplicationError(CampaignError.ALREADY_LINKED, _("已转为诉求"), status=409)
    if it.status == ItemStatus.VERIFIED:
        raise ApplicationError(
            CampaignError.INVALID_TRANSITION, _("已销号的问题不能再转为诉求"), status=409
        )
    category = Category.objects.get(code=REQUEST_CATEGORY[Hazard(it.hazard)])
    text = _("【%(campaign)s】%(hazard)s：%(text)s") % {
        "campaign": it.campaign.title,
        "hazard": it.get_hazard_display(),
        "text": it.description or it.location_text or it.get_hazard_display(),
    }
    request = request_file(
        acting_user=acting_user,
        category=category,
        description=text[:2000],
        channel="patrol",
        building=it.building,
        compound=None if it.building_id else it.compound,
        location_text=it.location_text,
    )
    it.spawned_request = request
    it.save(update_fields=["spawned_request", "updated_at"])
    _event(it, "spawned_request", acting_user, before=it.status, note=request.number)
    audit(actor=acting_user, event=AuditEvent.CAMPAIGN_ITEM_LINKED, target=it, request=request.pk)
    return request
