"""Writes of notices (通知公告). Each is atomic: on error nothing is written.

Guarantees (tested in ``tests/``):

* a notice goes only to a place inside its author's scope (403
  ``notice_target_out_of_scope``, field ``target_id``); an empty title or body is a
  400 ``notice_empty``;
* publishing writes ONE fan-out row in the outbox naming the target's residents
  (``notifications.audience``, ``residents``); the relay resolves them in SQL and
  writes their inbox rows in bulk, at the publish time (a notice scheduled for
  later is delivered then), so the author's transaction never touches the residents;
* withdrawing a notice whose fan-out has not gone yet cancels it;
* a read receipt is counted only for a person of the target, once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import checked_text
from redprop.core.models import AuditEvent
from redprop.notices import permissions
from redprop.notices.choices import UNIT_COLUMN, NoticeKind, NoticeStatus, TargetLevel
from redprop.notices.errors import NoticeError
from redprop.notices.models import (
    BODY_MAX,
    TITLE_MAX,
    Notice,
    NoticeAttachment,
    NoticeEvent,
    NoticeRead,
)
from redprop.notices.selectors import audience_count, target_node
from redprop.notices.workflow import WORKFLOW

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
FANOUT_KIND = "notice.published"


def visible_to_staff(user: Any) -> QuerySet[Notice]:
    """The notices a staff user's scope holds (what the workflow steps may reach)."""
    if user is None:
        return Notice.objects.all()
    return cast(
        QuerySet[Notice],
        user.scope_set(*permissions.STAFF_READER_ROLES).filter(Notice.objects.all()),
    )


def _text(value: Any, *, field: str, max_length: int) -> str:
    return checked_text(
        value,
        field=field,
        max_length=max_length,
        required=True,
        blank_code=NoticeError.EMPTY,
        blank_message=_("公告的标题和正文不能为空"),
    )


def _window(
    publish_at: dt.datetime | None, expire_at: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime | None]:
    publish_at = publish_at or now
    for value, field in ((publish_at, "publish_at"), (expire_at, "expire_at")):
        if value is not None and timezone.is_naive(value):
            raise ApplicationError(NoticeError.BAD_WINDOW, _("时间须带时区"), field=field)
    if expire_at is not None and expire_at <= max(publish_at, now):
        raise ApplicationError(
            NoticeError.BAD_WINDOW, _("截止时间须晚于发布时间和当前时间"), field="expire_at"
        )
    if publish_at > now + dt.timedelta(days=366):
        raise ApplicationError(
            NoticeError.BAD_WINDOW, _("发布时间不能晚于一年以后"), field="publish_at"
        )
    return publish_at, expire_at


def _event(notice: Notice, kind: str, actor: Any, *, before: str = "", note: str = "") -> None:
    NoticeEvent.objects.create(
        notice=notice,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        from_status=before,
        to_status=notice.status,
        note=note[:200],
        at=clock.now(),
    )


@transaction.atomic
def notice_create(
    *,
    acting_user: Any,
    kind: str,
    title: str,
    body: str,
    target_level: str,
    target_id: int,
    is_public: bool = True,
    pinned: bool = False,
    publish_at: dt.datetime | None = None,
    expire_at: dt.datetime | None = None,
    publish: bool = False,
) -> Notice:
    """Draft a notice to one place (and publish it at once when ``publish``)."""
    if kind not in NoticeKind.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("公告类别无效"), field="kind")
    title = _text(title, field="title", max_length=TITLE_MAX)
    body = _text(body, field="body", max_length=BODY_MAX)
    if target_level not in TargetLevel.values:
        raise ApplicationError(NoticeError.BAD_TARGET, _("发布范围层级无效"), field="target_level")
    node = target_node(level=target_level, target_id=target_id)
    if node is None:
        raise ApplicationError(NoticeError.BAD_TARGET, _("发布范围不存在"), field="target_id")
    if not permissions.can_target(acting_user, node):
        raise ApplicationError(
            NoticeError.TARGET_OUT_OF_SCOPE,
            _("只能向您管辖范围内的地方发布公告"),
            field="target_id",
            status=403,
        )
    now = clock.now()
    publish_at, expire_at = _window(publish_at, expire_at, now)
    notice = Notice(
        kind=kind,
        title=title,
        body=body,
        target_level=target_level,
        target_id=node.pk,
        target_name=_place_name(node)[:128],
        is_public=bool(is_public),
        pinned=bool(pinned),
        publish_at=publish_at,
        expire_at=expire_at,
        author=acting_user,
    )
    notice.set_place(node)
    if target_level == TargetLevel.COMPOUND:
        notice.compound = node
    elif target_level == TargetLevel.BUILDING:
        notice.building = node
        notice.compound_id = node.compound_id
    notice.save()
    _event(notice, "created", acting_user)
    audit(actor=acting_user, event=AuditEvent.NOTICE_CREATED, target=notice)
    if publish:
        notice = notice_publish(notice=notice, acting_user=acting_user)
    return notice


def _kind_msgid(kind: str) -> str:
    """The kind's label in the platform language: a message id the inbox translates."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(NoticeKind(kind).label)


def _place_name(node: Any) -> str:
    from redprop.territory.models import Building

    if isinstance(node, Building):
        return f"{node.compound.name}{node.name}"
    return str(node)


@transaction.atomic
def notice_update(
    *,
    notice: Notice,
    acting_user: Any,
    title: str | None = None,
    body: str | None = None,
    is_public: bool | None = None,
    publish_at: dt.datetime | None = None,
    expire_at: dt.datetime | None = None,
) -> Notice:
    """Change a draft's text or window (a published notice is withdrawn and reissued)."""
    found = visible_to_staff(acting_user).select_for_update().filter(pk=notice.pk).first()
    if found is None:
        raise NotFound()
    notice = found
    if not permissions.is_publisher(acting_user, notice):
        raise PermissionDenied()
    if notice.status != NoticeStatus.DRAFT:
        raise ApplicationError(NoticeError.INVALID_TRANSITION, _("只能修改草稿"), status=409)
    if title is not None:
        notice.title = _text(title, field="title", max_length=TITLE_MAX)
    if body is not None:
        notice.body = _text(body, field="body", max_length=BODY_MAX)
    if is_public is not None:
        notice.is_public = bool(is_public)
    if publish_at is not None or expire_at is not None:
        notice.publish_at, notice.expire_at = _window(
            publish_at or notice.publish_at, expire_at, clock.now()
        )
    notice.save()
    _event(notice, "updated", acting_user, before=notice.status)
    audit(actor=acting_user, event=AuditEvent.NOTICE_UPDATED, target=notice)
    return notice


def notice_publish(*, notice: Notice, acting_user: Any) -> Notice:
    """Publish: one fan-out row to the target's residents, due at the publish time."""
    from redprop.notifications.audience import audience
    from redprop.notifications.services import outbox_fanout
    from redprop.notifications.texts import Text
    from redprop.territory.places import SCOPE_COLUMNS

    with WORKFLOW.step(
        "publish",
        acting_user,
        visible_to_staff(acting_user),
        notice.pk,
        update_fields=["published_at", "publish_at", "audience_size"],
    ) as n:
        now = clock.now()
        if n.expire_at is not None and n.expire_at <= now:
            raise ApplicationError(
                NoticeError.BAD_WINDOW, _("截止时间已过，不能发布"), field="expire_at"
            )
        before = n.status
        n.published_at = now
        if n.publish_at < now:
            n.publish_at = now
        n.audience_size = audience_count(n)
        n.status = NoticeStatus.PUBLISHED
        outbox_fanout(
            kind=FANOUT_KIND,
            subject=Text(
                gettext_noop("【%(kind)s】%(title)s"),
                {"kind": _kind_msgid(n.kind), "title": n.title},
                translated=("kind",),
            ),
            body=n.body[:500],
            audience=audience(
                residents=(UNIT_COLUMN[TargetLevel(n.target_level)], n.target_id),
                place={c: getattr(n, c) for c in SCOPE_COLUMNS},
            ),
            link=n.get_absolute_url(),
            payload={"notice": n.pk, "kind": n.kind, "target": n.target_name},
            target=n,
            at=n.publish_at,
        )
        _event(n, "published", acting_user, before=before)
        audit(actor=acting_user, event=AuditEvent.NOTICE_PUBLISHED, target=n)
    return n


def notice_withdraw(*, notice: Notice, acting_user: Any, reason: str = "") -> Notice:
    """Withdraw a draft or a published notice; a fan-out not yet delivered is cancelled."""
    from redprop.notifications.services import outbox_cancel_pending

    reason = "" if not reason else _text(reason, field="reason", max_length=200)
    with WORKFLOW.step(
        "withdraw",
        acting_user,
        visible_to_staff(acting_user),
        notice.pk,
        update_fields=["closed_at"],
    ) as n:
        before = n.status
        n.status = NoticeStatus.WITHDRAWN
        n.closed_at = clock.now()
        cancelled = outbox_cancel_pending(target=n, kind=FANOUT_KIND)
        _event(n, "withdrawn", acting_user, before=before, note=reason)
        audit(
            actor=acting_user,
            event=AuditEvent.NOTICE_WITHDRAWN,
            target=n,
            reason=reason,
            fanout_cancelled=cancelled,
        )
    return Notice.objects.get(pk=n.pk)


def notices_expire_due(*, now: dt.datetime | None = None) -> int:
    """The clock: published notices past their end become expired. Idempotent."""
    now = now or clock.now()
    done = 0
    for pk in Notice.objects.filter(status=NoticeStatus.PUBLISHED, expire_at__lte=now).values_list(
        "pk", flat=True
    ):
        with WORKFLOW.step(
            "expire", None, Notice.objects.all(), pk, update_fields=["closed_at"]
        ) as n:
            n.status = NoticeStatus.EXPIRED
            n.closed_at = now
            _event(n, "expired", None, before=NoticeStatus.PUBLISHED)
        done += 1
    return done


@transaction.atomic
def notice_pin(*, notice: Notice, acting_user: Any, pinned: bool) -> Notice:
    found = visible_to_staff(acting_user).select_for_update().filter(pk=notice.pk).first()
    if found is None:
        raise NotFound()
    notice = found
    if not permissions.is_publisher(acting_user, notice):
        raise PermissionDenied()
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.PUBLISHED):
        raise ApplicationError(
            NoticeError.INVALID_TRANSITION, _("已撤回或过期的公告不能置顶"), status=409
        )
    if notice.pinned != pinned:
        notice.pinned = pinned
        notice.save(update_fields=["pinned", "updated_at"])
        _event(notice, "pinned" if pinned else "unpinned", acting_user, before=notice.status)
        audit(actor=acting_user, event=AuditEvent.NOTICE_PINNED, target=notice, pinned=pinned)
    return notice


def notice_mark_read(*, notice: Notice, user: Any) -> bool:
    """A person of the target opened the notice: one receipt, ever (True: new).

    Staff reading a notice, or anyone outside the target, leaves no receipt. The
    inbox items that announced it are marked read too.
    """
    from redprop.notifications.models import InboxItem

    if not notice.is_live() or not permissions.is_audience(user, notice):
        return False
    with transaction.atomic():
        _, created = NoticeRead.objects.get_or_create(
            notice=notice, user=user, defaults={"person_id": user.person_id, "at": clock.now()}
        )
        InboxItem.objects.filter(
            user=user, link=notice.get_absolute_url(), read_at__isnull=True
        ).update(read_at=clock.now())
    return created


@transaction.atomic
def notice_attach(*, notice: Notice, upload: Any, acting_user: Any) -> NoticeAttachment:
    """Add an image (re-encoded: no EXIF) or a PDF to a draft or published notice."""
    found = visible_to_staff(acting_user).select_for_update().filter(pk=notice.pk).first()
    if found is None:
        raise NotFound()
    notice = found
    if not permissions.is_publisher(acting_user, notice):
        raise PermissionDenied()
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.PUBLISHED):
        raise ApplicationError(
            NoticeError.INVALID_TRANSITION, _("已撤回或过期的公告不能添加附件"), status=409
        )
    if notice.attachments.count() >= MAX_ATTACHMENTS:
        raise ApplicationError(
            NoticeError.TOO_MANY_ATTACHMENTS,
            _("每条公告最多 %(n)s 个附件") % {"n": MAX_ATTACHMENTS},
            field="file",
        )
    name = str(getattr(upload, "name", "") or "file")[-100:]
    size = getattr(upload, "size", 0) or 0
    if size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(
            NoticeError.BAD_ATTACHMENT, _("附件不能超过 10 MB"), field="file", status=413
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    token = secrets.token_hex(8)
    if head == b"%PDF-":
        content, ext, ctype = ContentFile(upload.read()), "pdf", "application/pdf"
    else:
        from redprop.requests.photos import clean_photo

        try:
            content, _w, _h = clean_photo(upload, field="file")
        except ApplicationError as exc:
            raise ApplicationError(
                NoticeError.BAD_ATTACHMENT, _("附件须为图片或 PDF 文件"), field="file"
            ) from exc
        ext, ctype = "jpg", "image/jpeg"
    attachment = NoticeAttachment(
        notice=notice,
        name=name,
        token=token,
        extension=ext,
        content_type=ctype,
        size=content.size,
    )
    attachment.file.save(f"{token}.{ext}", content, save=False)
    attachment.save()
    _event(notice, "attached", acting_user, before=notice.status, note=name)
    audit(actor=acting_user, event=AuditEvent.NOTICE_ATTACHED, target=notice, file=name)
    return attachment
