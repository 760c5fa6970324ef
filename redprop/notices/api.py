"""/api/v1/notices: draft, publish, withdraw, pin, attach; the resident's list; read
receipts; the reach (unread per building)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from redprop.accounts.choices import Role
from redprop.core.errors import NotFound
from redprop.core.inputs import Id, Text
from redprop.notices import permissions, selectors, services
from redprop.notices.choices import NoticeKind, NoticeStatus, TargetLevel
from redprop.notices.models import BODY_MAX, TITLE_MAX, Notice
from redprop.notices.workflow import WORKFLOW

router = Router(tags=["notices 通知公告"])


class NoticeIn(Schema):
    kind: NoticeKind
    # Emptiness is the service's to judge (``notice_empty``), as on the pages.
    title: Text(TITLE_MAX)  # type: ignore[valid-type]
    body: Text(BODY_MAX)  # type: ignore[valid-type]
    target_level: TargetLevel
    target_id: Id
    is_public: bool = True
    pinned: bool = False
    publish_at: dt.datetime | None = None
    expire_at: dt.datetime | None = None
    publish: bool = False


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    body: str
    status: str
    target_level: str
    target_id: int
    target_name: str
    is_public: bool
    pinned: bool
    publish_at: dt.datetime
    expire_at: dt.datetime | None
    audience_size: int
    url: str
    actions: list[str] = []
    is_read: bool | None = None

    @staticmethod
    def resolve_kind_label(obj: Notice) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_url(obj: Notice) -> str:
        return obj.get_absolute_url()


class WithdrawIn(Schema):
    reason: Text(200) = ""  # type: ignore[valid-type]


class PinIn(Schema):
    pinned: bool = True


class ReadOut(Schema):
    counted: bool


class ReachRow(Schema):
    building_id: int
    building: str
    grid_id: int | None
    people: int
    read: int
    unread: int


class ReachOut(Schema):
    notice_id: int
    audience_size: int
    read: int
    buildings: list[ReachRow]


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int


def _staff_scope(request: HttpRequest) -> Any:
    return request.user.scope_set(*permissions.STAFF_READER_ROLES)  # type: ignore[union-attr]


def _out(request: HttpRequest, notice: Notice) -> Notice:
    notice.actions = sorted(WORKFLOW.available(request.user, notice))  # type: ignore[attr-defined]
    return notice


def _readable(request: HttpRequest, notice_id: int) -> Notice:
    notice = Notice.objects.select_related("compound").filter(pk=notice_id).first()
    if notice is None or not permissions.can_read(request.user, notice):
        raise NotFound()
    return notice


def _staff_get(request: HttpRequest, notice_id: int) -> Notice:
    notice = (
        selectors.notice_list(scope=_staff_scope(request))
        .select_related("compound")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound()
    return notice


@router.get("", response=list[NoticeOut])
def notice_list(request: HttpRequest, status: NoticeStatus | None = None) -> Any:
    """The notices of the caller's scope (staff); empty for others."""
    qs = selectors.notice_list(scope=_staff_scope(request), status=status)
    return [_out(request, n) for n in qs.select_related("compound")[:200]]


@router.get("/mine", response=list[NoticeOut])
def notice_mine(request: HttpRequest) -> Any:
    """The live notices of the places the caller lives in, pinned first."""
    return list(selectors.notices_for_resident(user=request.user)[:200])


@router.post("", response={201: NoticeOut})
def notice_create(request: HttpRequest, payload: NoticeIn) -> Any:
    notice = services.notice_create(acting_user=request.user, **payload.dict())
    return Status(201, _out(request, notice))


@router.get("/{notice_id}", response=NoticeOut)
def notice_read(request: HttpRequest, notice_id: int) -> Any:
    return _out(request, _readable(request, notice_id))


@router.post("/{notice_id}/read", response=ReadOut)
def notice_mark_read(request: HttpRequest, notice_id: int) -> Any:
    """A read receipt: counted once, and only for a person of the target."""
    notice = _readable(request, notice_id)
    return {"counted": services.notice_mark_read(notice=notice, user=request.user)}


@router.post("/{notice_id}/publish", response=NoticeOut)
def notice_publish(request: HttpRequest, notice_id: int) -> Any:
    notice = services.notice_publish(
        notice=_staff_get(request, notice_id), acting_user=request.user
    )
    return _out(request, notice)


@router.post("/{notice_id}/withdraw", response=NoticeOut)
def notice_withdraw(request: HttpRequest, notice_id: int, payload: WithdrawIn) -> Any:
    notice = services.notice_withdraw(
        notice=_staff_get(request, notice_id), acting_user=request.user, reason=payload.reason
    )
    return _out(request, notice)


@router.post("/{notice_id}/pin", response=NoticeOut)
def notice_pin(request: HttpRequest, notice_id: int, payload: PinIn) -> Any:
    notice = services.notice_pin(
        notice=_staff_get(request, notice_id), acting_user=request.user, pinned=payload.pinned
    )
    return _out(request, notice)


@router.post("/{notice_id}/attachments", response={201: AttachmentOut})
def notice_attach(request: HttpRequest, notice_id: int, file: File[UploadedFile]) -> Any:
    attachment = services.notice_attach(
        notice=_staff_get(request, notice_id), upload=file, acting_user=request.user
    )
    return Status(201, attachment)


@router.get("/{notice_id}/reach", response=ReachOut)
def notice_reach(request: HttpRequest, notice_id: int) -> Any:
    """Unread per building, most unread first: the grid worker's door-to-door list."""
    notice = _staff_get(request, notice_id)
    user: Any = request.user
    scope = None if user.has_role(Role.SYSADMIN) else _staff_scope(request)
    rows = selectors.notice_reach(notice=notice, scope=scope)
    return {
        "notice_id": notice.pk,
        "audience_size": notice.audience_size,
        "read": selectors.read_count(notice),
        "buildings": [{**r.__dict__, "unread": r.unread} for r in rows],
    }
