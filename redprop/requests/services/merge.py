"""“Me too”: merging a duplicate into the request that survives (合并), and a resident
following a request about the same problem (一起关注)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core.errors import ApplicationError, Conflict
from redprop.notifications.texts import Text
from redprop.requests import permissions
from redprop.requests.choices import EventKind, Status
from redprop.requests.errors import RequestError
from redprop.requests.models import RequestFollower, ServiceRequest
from redprop.requests.services.base import (
    event,
    lock,
    notify,
    reporters,
    require,
    save,
    step,
    transition,
    withdraw_if_unanswered,
)

if TYPE_CHECKING:
    from redprop.accounts.models import User


@transition
@transaction.atomic
def request_merge(
    *,
    request: ServiceRequest,
    into: ServiceRequest,
    acting_user: User,
    expected_version: int | None = None,
) -> ServiceRequest:
    """“Me too”: merge a duplicate into a survivor; its reporters follow the survivor."""
    if request.pk == into.pk:
        raise ApplicationError(RequestError.MERGE_INVALID, _("不能合并到自身"), field="into")
    # Lock both rows in id order so two opposite merges cannot deadlock (the step
    # locks the duplicate again: already held).
    first, second = sorted([request.pk, into.pk])
    locked = {first: lock(first), second: lock(second)}
    into = locked[into.pk]
    with step(
        "merge",
        request=locked[request.pk],
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有社区或街道工作人员可以合并诉求"),
        may=lambda _r: permissions.is_dispatcher(acting_user, into),
    ) as s:
        request = s.request
        if not into.is_open or into.status == Status.MERGED:
            raise ApplicationError(
                RequestError.MERGE_INVALID, _("目标诉求已关闭，不能合并"), field="into"
            )
        if into.community_id != request.community_id:
            raise ApplicationError(
                RequestError.MERGE_INVALID, _("只能合并同一社区的诉求"), field="into"
            )
        withdraw_if_unanswered(request)
        request.merged_into = into
        request.closed_at = s.at
        s.data["into"] = into.pk
        s.fields, s.sla = ["merged_into", "closed_at"], False
    followers: set[int] = {
        p
        for p in (request.reporter_id, *request.followers.values_list("person_id", flat=True))
        if p is not None and p != into.reporter_id
    }
    existing = set(into.followers.values_list("person_id", flat=True))
    RequestFollower.objects.bulk_create(
        [RequestFollower(request=into, person_id=p) for p in followers - existing]
    )
    event(into, EventKind.MERGED_IN, actor=acting_user, from_status=into.status, merged=request.pk)
    save(into, [])
    notify(
        into,
        "merged",
        Text(gettext_noop("您反映的问题已与 %(number)s 合并办理"), {"number": into.number}),
        Text(gettext_noop("同一问题已有人反映，您将收到该诉求的办理进展。")),
        reporters(request),
        merged=request.pk,
    )
    return request


@transaction.atomic
def request_follow(*, request: ServiceRequest, acting_user: User) -> RequestFollower | None:
    """一起关注: a resident follows an open request about the same problem."""
    request = lock(request)
    if permissions.is_reporter(acting_user, request):
        return None
    # A resident of the compound only: staff following a request of their own area
    # could otherwise pass as its residents (docs/adr/0008-follower-view.md).
    require(permissions.can_follow(acting_user, request), _("只有本小区居民可以关注诉求"))
    if not request.is_open:
        raise Conflict(RequestError.INVALID_TRANSITION, _("该诉求已关闭"))
    follower, created = RequestFollower.objects.get_or_create(
        request=request, person_id=acting_user.person_id
    )
    if created:
        event(
            request,
            EventKind.NOTE,
            actor=acting_user,
            from_status=request.status,
            note=gettext_noop("居民表示同样遇到此问题（一起关注）"),
        )
    return follower
