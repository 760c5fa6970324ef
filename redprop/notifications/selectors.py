"""Reads of the inbox (站内信). An inbox belongs to one user: the user is the scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from redprop.notifications.models import InboxItem

if TYPE_CHECKING:
    from redprop.accounts.models import User


def inbox_for(*, user: User, unread_only: bool = False) -> QuerySet[InboxItem]:
    """``user``'s own inbox, newest first; nothing for an anonymous or inactive user."""
    if user is None or not user.is_authenticated or not user.is_active:
        return InboxItem.objects.none()
    qs = InboxItem.objects.filter(user_id=user.pk)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def inbox_unread_count(*, user: User) -> int:
    return inbox_for(user=user, unread_only=True).count()
