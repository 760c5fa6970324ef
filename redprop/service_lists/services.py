"""Writes of the service list (服务清单与双向认领). Each is atomic: on error nothing is
written, and the error is an ApplicationError with {code, message, field}.

Guarantees (tested in ``tests/``):

* a need is posted by a resident for their own compound, a grid worker in their grid's
  community, or the community's staff; a resource by a co-building unit of the
  community (an agreement in force, or a compound it serves), or by the community's
  staff for volunteers; inside the poster's scope, with a due date from today to a
  year ahead;
* a named beneficiary (一老一小) must be a person the poster may see; everybody but
  the roles that may see people's tags reads the anonymised form, and every unmasked
  read is on the PII access log (``beneficiary_label``);
* a claim locks the row: a claim on an item already claimed is a 409
  ``service_item_already_claimed``, so of two claims at once exactly one wins;
* completion needs evidence (a note, up to 4 photos cleaned like a request's);
* each step is a row of ``workflow.WORKFLOW``; each leaves an event on the item's
  timeline and an audit row (AuditEvent 841–845).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import checked_text
from redprop.core.models import AuditEvent
from redprop.service_lists import notify, permissions, selectors
from redprop.service_lists.choices import (
    CARE_ANONYMOUS,
    CLOSED_STATES,
    FROM_REQUEST_ROLES,
    SPAWN_CATEGORY_DEFAULT,
    Care,
    EventKind,
    ServiceClass,
    Side,
    Status,
)
from redprop.service_lists.errors import ServiceListError
from redprop.service_lists.models import (
    MAX_PHOTOS,
    TEXT_MAX,
    TITLE_MAX,
    ServiceItem,
    ServiceItemEvent,
    ServicePhoto,
)
from redprop.service_lists.workflow import WORKFLOW

MAX_DUE_DAYS = 366
REVEAL_REASON = gettext_noop("服务清单：联系关爱对象")  # stored in the PII log as the msgid


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    return checked_text(
        value,
        field=field,
        max_length=max_length,
        required=required,
        blank_code=ServiceListError.EMPTY,
    )


def _event(
    item: ServiceItem, kind: str, actor: Any, *, before: str = "", note: str = ""
) -> ServiceItemEvent:
    return ServiceItemEvent.objects.create(
        item=item,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=before,
        to_status=item.status,
        note=note[:TEXT_MAX],
        at=clock.now(),
    )


def _place(compound_id: int | None, community_id: int | None) -> tuple[Any, Any]:
    """(node, compound): the compound when given, else the community."""
    from redprop.territory.models import Compound, Region

    if compound_id:
        compound = Compound.objects.filter(pk=compound_id).first()
        if compound is None:
            raise ApplicationError(ServiceListError.BAD_PLACE, _("小区不存在"), field="compound_id")
        return compound, compound
    if community_id:
        community = Region.objects.filter(pk=community_id, level="community").first()
        if community is None:
            raise ApplicationError(
                ServiceListError.BAD_PLACE, _("社区不存在"), field="community_id"
            )
        return community, None
    raise ApplicationError(
        ServiceListError.BAD_PLACE, _("请选择所在的社区或小区"), field="community_id"
    )


def _due(due_on: dt.date | None) -> dt.date | None:
    if due_on is None:
        return None
    today = timezone.localtime(clock.now()).date()  # the demo posts on simulated days
    if not today <= due_on <= today + dt.timedelta(days=MAX_DUE_DAYS):
        raise ApplicationError(
            ServiceListError.BAD_DUE_DATE,
            _("期限须在今天到一年之内"),
            field="due_on",
        )
    return due_on


def _person(acting_user: Any, person_id: int | None, field: str) -> Any:
    """A person the acting user may read, else the same 400 as for one that does not
    exist (an id outside the scope is not confirmed)."""
    if not person_id:
        return None
    from redprop.people.services import person_get

    try:
        return person_get(user=acting_user, person_id=person_id)
    except NotFound:
        raise ApplicationError(
            ServiceListError.BAD_PERSON, _("服务对象不存在"), field=field
        ) from None


def _choice(value: str, choices: Any, field: str, message: str) -> str:
    if value not in choices.values:
        raise ApplicationError(ErrorCode.VALIDATION, message, field=field)
    return value


# --- posting ---------------------------------------------------------------------------


@transaction.atomic
def item_post(
    *,
    acting_user: Any,
    side: str,
    service_class: str,
    title: str,
    description: str = "",
    care: str = "",
    due_on: dt.date | None = None,
    compound_id: int | None = None,
    community_id: int | None = None,
    beneficiary_id: int | None = None,
    offered_by_id: int | None = None,
    source_request: Any = None,
) -> ServiceItem:
    """Post a need (上报需求) or offer a resource (提供资源) on a community's list."""
    from redprop.orgs.models import Org
    from redprop.territory.places import scope_columns_of

    _choice(side, Side, "side", _("清单类型无效"))
    _choice(service_class, ServiceClass, "service_class", _("服务类别无效"))
    _choice(care or "", Care, "care", _("一老一小类别无效"))
    title = _text(title, field="title", max_length=TITLE_MAX, required=True)
    description = _text(description, field="description", max_length=TEXT_MAX)
    due_on = _due(due_on)
    node, compound = _place(compound_id, community_id)
    place = scope_columns_of(node)
    field = "compound_id" if compound_id else "community_id"
    offered_by = None
    if side == Side.NEED:
        if not permissions.can_post_need(acting_user, place, compound.pk if compound else None):
            # Refused like a place that does not exist: other ids are not confirmed.
            raise ApplicationError(
                ServiceListError.BAD_PLACE,
                _("小区不存在") if compound_id else _("社区不存在"),
                field=field,
            )
        if offered_by_id:
            raise ApplicationError(
                ServiceListError.BAD_ORG, _("需求不填写提供单位"), field="offered_by_id"
            )
    else:
        orgs = permissions.offer_orgs(acting_user, place)
        if offered_by_id:
            if offered_by_id not in orgs:
                raise ApplicationError(
                    ServiceListError.BAD_ORG, _("提供单位不存在"), field="offered_by_id"
                )
            offered_by = Org.objects.get(pk=offered_by_id)
        elif len(orgs) == 1 and not permissions.can_offer_for_volunteers(acting_user, place):
            offered_by = Org.objects.get(pk=orgs[0])
        elif orgs and not permissions.can_offer_for_volunteers(acting_user, place):
            raise ApplicationError(
                ServiceListError.BAD_ORG, _("请选择提供单位"), field="offered_by_id"
            )
        elif not permissions.can_offer_for_volunteers(acting_user, place):
            raise ApplicationError(
                ServiceListError.BAD_PLACE,
                _("小区不存在") if compound_id else _("社区不存在"),
                field=field,
            )
    beneficiary = _person(acting_user, beneficiary_id, "beneficiary_id")
    if beneficiary is not None and side != Side.NEED:
        raise ApplicationError(
            ServiceListError.BAD_PERSON, _("资源在认领时指定服务对象"), field="beneficiary_id"
        )
    item = ServiceItem(
        side=side,
        service_class=service_class,
        care=care or "",
        title=title,
        description=description,
        due_on=due_on,
        compound=compound,
        posted_by=acting_user,
        offered_by=offered_by,
        beneficiary=beneficiary,
        source_request=source_request,
    )
    item.set_place(node)
    if compound is not None:
        item.grid_id = None  # a compound spans grids
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError as exc:
        raise ApplicationError(
            ServiceListError.ALREADY_LINKED,
            _("该诉求已转入服务清单"),
            field="request_id",
            status=409,
        ) from exc
    kind = EventKind.FROM_REQUEST if source_request is not None else EventKind.POSTED
    _event(item, kind, acting_user, note=title)
    audit(
        actor=acting_user,
        event=AuditEvent.SERVICE_ITEM_POSTED,
        target=item,
        side=side,
        service_class=service_class,
        request=getattr(source_request, "pk", None),
    )
    return item


def item_from_request(
    *,
    acting_user: Any,
    request_id: int,
    service_class: str,
    care: str = "",
    due_on: dt.date | None = None,
    title: str = "",
) -> ServiceItem:
    """A need from a service request (a resident's order that is really a need for
    care, e.g. 独居老人需要每周探访): the community's staff or a grid worker who may
    see the request lists it, linked both ways; one need per request."""
    from redprop.requests import permissions as request_permissions
    from redprop.requests.models import ServiceRequest

    if not acting_user.has_role(*FROM_REQUEST_ROLES):
        raise PermissionDenied(_("只有社区工作人员和网格员可以把诉求转入服务清单"))
    request = ServiceRequest.objects.filter(pk=request_id).first()
    if request is None or not request_permissions.can_view(acting_user, request):
        raise ApplicationError(ServiceListError.BAD_PLACE, _("诉求不存在"), field="request_id")
    if ServiceItem.objects.filter(source_request=request).exists():
        raise ApplicationError(
            ServiceListError.ALREADY_LINKED,
            _("该诉求已转入服务清单"),
            field="request_id",
            status=409,
        )
    text = (title or "").strip() or f"{request.number} {request.description}"
    return item_post(
        acting_user=acting_user,
        side=Side.NEED,
        service_class=service_class,
        title=text[:TITLE_MAX],
        description=request.description[:TEXT_MAX],
        care=care,
        due_on=due_on,
        compound_id=request.compound_id,
        community_id=request.community_id,
        beneficiary_id=None,
        source_request=request,
    )


# --- the steps -------------------------------------------------------------------------


def _queryset(user: Any) -> QuerySet[ServiceItem]:
    return selectors.visible_items(user)


def item_get(*, acting_user: Any, item_id: int) -> ServiceItem:
    """The item if ``acting_user`` may read it, else 404."""
    item = _queryset(acting_user).filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


def item_claim(
    *,
    acting_user: Any,
    item_id: int,
    org_id: int | None = None,
    for_person_id: int | None = None,
    note: str = "",
) -> ServiceItem:
    """认领: a co-building unit claims a need (for the unit); a resident, grid worker or
    community staff claims a resource (for someone, optionally named). The row is
    locked first; an item someone else claimed meanwhile is a 409."""
    note = _text(note, field="note", max_length=TEXT_MAX)
    qs = _queryset(acting_user)
    with transaction.atomic():
        locked = qs.select_for_update(of=("self",)).filter(pk=item_id).first()
        if locked is None:
            raise NotFound()
        WORKFLOW.authorize("claim", acting_user, locked)
        if locked.status in (Status.CLAIMED, Status.IN_PROGRESS, Status.DONE):
            raise ApplicationError(
                ServiceListError.ALREADY_CLAIMED,
                _("该事项已被认领"),
                field="status",
                status=409,
            )
        with WORKFLOW.step(
            "claim",
            acting_user,
            qs,
            item_id,
            update_fields=["claimed_by", "claimed_org", "claimed_for", "claimed_at", "version"],
        ) as it:
            if it.side == Side.NEED:
                orgs = permissions.cobuilding_orgs_in(acting_user, it.community_id)
                if org_id is not None and org_id not in orgs:
                    raise ApplicationError(
                        ServiceListError.BAD_ORG, _("认领单位不存在"), field="org_id"
                    )
                it.claimed_org_id = org_id or orgs[0]
                if for_person_id:
                    raise ApplicationError(
                        ServiceListError.BAD_PERSON,
                        _("需求的服务对象已在发布时指定"),
                        field="for_person_id",
                    )
            else:
                if org_id:
                    raise ApplicationError(
                        ServiceListError.BAD_ORG, _("认领资源不填写单位"), field="org_id"
                    )
                it.claimed_for = _person(acting_user, for_person_id, "for_person_id")
            before = it.status
            it.claimed_by = acting_user
            it.claimed_at = clock.now()
            it.version += 1
            it.status = Status.CLAIMED
            _event(it, EventKind.CLAIM, acting_user, before=before, note=note)
            audit(
                actor=acting_user,
                event=AuditEvent.SERVICE_ITEM_CLAIMED,
                target=it,
                org=it.claimed_org_id,
                side=it.side,
            )
            notify.notify(it, "claimed", notify.poster_audience(it, acting_user=acting_user))
    return it


def item_start(*, acting_user: Any, item_id: int, note: str = "") -> ServiceItem:
    """开始服务: the holder starts the work (the visit, the repair)."""
    note = _text(note, field="note", max_length=TEXT_MAX)
    with WORKFLOW.step(
        "start",
        acting_user,
        _queryset(acting_user),
        item_id,
        update_fields=["started_at", "version"],
    ) as it:
        before = it.status
        it.started_at = clock.now()
        it.version += 1
        it.status = Status.IN_PROGRESS
        _event(it, EventKind.START, acting_user, before=before, note=note)
    return it


def _add_photo(item: ServiceItem, upload: Any, acting_user: Any) -> ServicePhoto:
    from redprop.requests.photos import clean_photo, new_token

    content, w, h = clean_photo(upload, field="photos")
    photo = ServicePhoto(item=item, token=new_token(), width=w, height=h, uploaded_by=acting_user)
    photo.image.save(content.name, content, save=False)
    photo.save()
    return photo


def item_complete(
    *, acting_user: Any, item_id: int, note: str, photos: Sequence[Any] = ()
) -> ServiceItem:
    """完成服务, with evidence: what was done (required) and up to 4 photos."""
    note = _text(note, field="note", max_length=TEXT_MAX)
    if not note:
        raise ApplicationError(
            ServiceListError.EVIDENCE_REQUIRED, _("请填写服务完成情况"), field="note"
        )
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(
            ServiceListError.EVIDENCE_REQUIRED,
            _("最多上传 %(n)s 张照片") % {"n": MAX_PHOTOS},
            field="photos",
        )
    with WORKFLOW.step(
        "complete",
        acting_user,
        _queryset(acting_user),
        item_id,
        update_fields=["completed_at", "completed_by", "completion_note", "version"],
    ) as it:
        for upload in photos:
            _add_photo(it, upload, acting_user)
        before = it.status
        it.completed_at = clock.now()
        it.completed_by = acting_user
        it.completion_note = note
        it.version += 1
        it.status = Status.DONE
        _event(it, EventKind.COMPLETE, acting_user, before=before, note=note)
        audit(actor=acting_user, event=AuditEvent.SERVICE_ITEM_STEP, target=it, step="complete")
        notify.notify(
            it, "completed", notify.poster_audience(it, acting_user=acting_user), note=note
        )
    return it


def _reason(reason: str) -> str:
    text = _text(reason, field="reason", max_length=TEXT_MAX)
    if not text:
        raise ApplicationError(ServiceListError.REASON_REQUIRED, _("请填写原因"), field="reason")
    return text


def item_release(*, acting_user: Any, item_id: int, reason: str) -> ServiceItem:
    """退回认领: the holder cannot do it after all (or the community takes a stalled
    claim back); the item is open again for anyone."""
    reason = _reason(reason)
    with WORKFLOW.step(
        "release",
        acting_user,
        _queryset(acting_user),
        item_id,
        update_fields=[
            "claimed_by",
            "claimed_org",
            "claimed_for",
            "claimed_at",
            "started_at",
            "version",
        ],
    ) as it:
        before = it.status
        holder = it.claimed_org_id or it.claimed_by_id
        by_holder = permissions.is_holder(acting_user, it)
        # A hand-back by the community (a stalled claim taken back) tells the holder too.
        told = (
            {}
            if by_holder
            else notify.holder_audience(
                claimed_by_id=it.claimed_by_id,
                claimed_org_id=it.claimed_org_id,
                acting_user=acting_user,
            )
        )
        it.claimed_by = it.claimed_org = it.claimed_for = None
        it.claimed_at = it.started_at = None
        it.version += 1
        it.status = Status.OPEN
        _event(it, EventKind.RELEASE, acting_user, before=before, note=reason)
        audit(
            actor=acting_user,
            event=AuditEvent.SERVICE_ITEM_STEP,
            target=it,
            step="release",
            holder=holder,
            reason=reason,
        )
        notify.notify(
            it, "released", notify.poster_audience(it, acting_user=acting_user), note=reason
        )
        notify.notify(it, "released", told, note=reason)
    return it


def item_cancel(*, acting_user: Any, item_id: int, reason: str) -> ServiceItem:
    """取消: the poster or the community withdraws the item."""
    reason = _reason(reason)
    with WORKFLOW.step(
        "cancel", acting_user, _queryset(acting_user), item_id, update_fields=["version"]
    ) as it:
        before = it.status
        holder = notify.holder_audience(
            claimed_by_id=it.claimed_by_id,
            claimed_org_id=it.claimed_org_id,
            acting_user=acting_user,
        )
        it.version += 1
        it.status = Status.CANCELLED
        _event(it, EventKind.CANCEL, acting_user, before=before, note=reason)
        audit(
            actor=acting_user,
            event=AuditEvent.SERVICE_ITEM_CANCELLED,
            target=it,
            reason=reason,
        )
        # The holder of a claimed item (nobody when it was still open).
        notify.notify(it, "cancelled", holder, note=reason)
    return it


def item_act(*, acting_user: Any, item_id: int, action: str, **inputs: Any) -> ServiceItem:
    """Run one row of the table by its name (the pages' forms and the API call this)."""
    if action == "claim":
        return item_claim(acting_user=acting_user, item_id=item_id, **inputs)
    if action == "start":
        return item_start(acting_user=acting_user, item_id=item_id, note=inputs.get("note", ""))
    if action == "complete":
        return item_complete(
            acting_user=acting_user,
            item_id=item_id,
            note=inputs.get("note", ""),
            photos=inputs.get("photos", ()),
        )
    if action == "release":
        return item_release(
            acting_user=acting_user, item_id=item_id, reason=inputs.get("reason", "")
        )
    if action == "cancel":
        return item_cancel(
            acting_user=acting_user, item_id=item_id, reason=inputs.get("reason", "")
        )
    raise NotFound()


@transaction.atomic
def item_spawn_request(
    *, acting_user: Any, item_id: int, category_code: str = SPAWN_CATEGORY_DEFAULT
) -> Any:
    """转为诉求工单: the community files a service request for a need (a broken ramp is a
    repair for the property company), which then follows the request workflow
    (dispatch, 5341 deadlines); linked both ways. The need stays on the list."""
    from redprop.requests.models import Category
    from redprop.requests.services import request_file

    it = _queryset(acting_user).select_for_update(of=("self",)).filter(pk=item_id).first()
    if it is None:
        raise NotFound()
    if not permissions.is_coordinator(acting_user, it):
        raise PermissionDenied()
    if it.spawned_request_id is not None:
        raise ApplicationError(
            ServiceListError.ALREADY_LINKED, _("已转为诉求工单"), field="item", status=409
        )
    if it.side != Side.NEED or it.status in CLOSED_STATES:
        raise ApplicationError(
            ServiceListError.INVALID_TRANSITION,
            _("只有未完成的需求可以转为诉求工单"),
            field="item",
            status=409,
        )
    if it.compound_id is None:
        raise ApplicationError(
            ServiceListError.BAD_PLACE, _("请先为需求指定小区，再转为诉求工单"), field="compound_id"
        )
    category = Category.objects.filter(code=category_code, is_active=True).first()
    if category is None or category.children.exists():
        raise ApplicationError(ServiceListError.BAD_CATEGORY, _("诉求分类无效"), field="category")
    text = _("【服务清单】%(title)s %(text)s") % {"title": it.title, "text": it.description}
    request = request_file(
        acting_user=acting_user,
        category=category,
        description=text.strip()[:2000],
        channel="window",
        compound=it.compound,
    )
    it.spawned_request = request
    it.save(update_fields=["spawned_request", "updated_at"])
    _event(it, EventKind.SPAWNED_REQUEST, acting_user, before=it.status, note=request.number)
    audit(actor=acting_user, event=AuditEvent.SERVICE_ITEM_LINKED, target=it, request=request.pk)
    return request


# --- the people named ------------------------------------------------------------------


def beneficiary_label(*, item: ServiceItem, user: Any, person: Any = None) -> tuple[str, bool]:
    """Whom the item is for, as ``user`` may read it: ``(text, named)``.

    Only a role that may see people's tags (people.policies.REVEAL_ROLES, over the
    person's scope) reads the name, and that read is logged on the PII access log
    (people.services.person_reveal); everyone else reads the anonymised form
    ("一位独居老人"). A user reading their own need reads "本人"."""
    from redprop.people.choices import SensitiveField
    from redprop.people.services import can_reveal, person_reveal

    person = person if person is not None else item.beneficiary or item.claimed_for
    anonymous = str(CARE_ANONYMOUS[Care(item.care or "")])
    if person is None:
        return (anonymous if item.care else "", False)
    if user.person_id == person.pk:
        return (_("本人"), True)
    if not can_reveal(user, person, SensitiveField.SENSITIVE_TAGS):
        return (anonymous, False)
    person_reveal(
        person=person,
        field=SensitiveField.SENSITIVE_TAGS,
        reason=REVEAL_REASON,
        acting_user=user,
        context=f"service_item:{item.pk}",
    )
    return (f"{person.name}（{anonymous}）" if item.care else person.name, True)
