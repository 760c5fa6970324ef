"""The current user's inbox (站内信) under /api/v1/notifications/."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router, Schema

from redprop.core import inputs
from redprop.core.inputs import Id
from redprop.notifications import selectors, services

router = Router(tags=["notifications 通知"])

INBOX_PAGE = 50


class InboxItemOut(Schema):
    """An inbox item, its subject and body in the caller's language where the service
    that wrote it kept the text untranslated (notifications.texts)."""

    id: int
    kind: str
    subject: str = Field(..., alias="subject_text")
    body: str = Field(..., alias="body_text")
    link: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkReadIn(Schema):
    ids: list[Id] = Field(..., max_length=inputs.IDS_MAX)


class MarkReadOut(Schema):
    updated: int
    unread: int


@router.get("/inbox", response=list[InboxItemOut])
def inbox(request: HttpRequest, unread: bool = False) -> object:
    """My latest 50 notifications, newest first (``?unread=true``: only unread ones)."""
    return list(selectors.inbox_for(user=request.user, unread_only=unread)[:INBOX_PAGE])


@router.post("/inbox/read", response=MarkReadOut)
def inbox_read(request: HttpRequest, payload: MarkReadIn) -> object:
    """Mark my items read. Ids that are not mine are ignored (and not revealed)."""
    updated = services.inbox_mark_read(user=request.user, item_ids=payload.ids)
    return {"updated": updated, "unread": selectors.inbox_unread_count(user=request.user)}
