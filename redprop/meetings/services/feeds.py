"""Calendar feeds (iCalendar subscriptions)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.meetings import permissions
from redprop.meetings.choices import (
    FeedKind,
)
from redprop.meetings.models import (
    CalendarFeed,
)

# --- calendar feeds -------------------------------------------------------------------------


@transaction.atomic
def feed_issue(*, user: Any, kind: str, acting_user: Any, community: Any = None) -> CalendarFeed:
    """A secret iCalendar URL for ``user``: a community's meetings (in their scope) or
    their own (invited, convened)."""
    if acting_user.pk != user.pk:
        raise PermissionDenied()
    if kind == FeedKind.COMMUNITY:
        if not permissions.community_in_reach(user, community):
            raise ApplicationError(ErrorCode.VALIDATION, _("请选择您所在的社区"), field="community")
    elif kind == FeedKind.PERSON:
        community = None
    else:
        raise ApplicationError(ErrorCode.VALIDATION, _("订阅类型无效"), field="kind")
    feed = CalendarFeed.objects.create(user=user, kind=kind, community=community)
    audit(
        actor=acting_user,
        event=AuditEvent.MEETING_FEED_ISSUED,
        target=feed,
        after={"kind": kind, "community": getattr(community, "pk", None)},
    )
    return feed


@transaction.atomic
def feed_revoke(*, feed: CalendarFeed, acting_user: Any) -> CalendarFeed:
    """Revoke a feed URL: it answers 404 from now on."""
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    if feed.user_id != acting_user.pk and not acting_user.has_role(Role.SYSADMIN):
        raise NotFound()
    if feed.revoked_at is None:
        feed.revoked_at = clock.now()
        feed.save(update_fields=["revoked_at", "updated_at"])
        audit(
            actor=acting_user,
            event=AuditEvent.MEETING_FEED_REVOKED,
            target=feed,
            after={"kind": feed.kind},
        )
    return feed
