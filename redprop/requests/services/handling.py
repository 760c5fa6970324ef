"""The unit's work on an accepted order: on site (到场), a written plan (书面方案),
waiting on the resident (暂停计时) and resolution (办结)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.core.errors import ApplicationError, Conflict
from redprop.notifications.texts import Text
from redprop.requests import stats, workflow
from redprop.requests.choices import Status
from redprop.requests.errors import RequestError
from redprop.requests.models import RequestPhoto, ServiceRequest
from redprop.requests.photos import clean_photo, new_token
from redprop.requests.services.base import (
    mark_responded,
    notify,
    reason_of,
    reporters,
    step,
    transition,
)

if TYPE_CHECKING:
    from redprop.accounts.models import User

# The one answer to whoever is not the unit handling the order.
_NOT_HANDLER = gettext_noop("只有承办单位可以办理")


@transition
@transaction.atomic
def request_arrive(
    *, request: ServiceRequest, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """到场: the worker is on site (the 5-minute response clock of Jinghe's 5341)."""
    with step(
        "arrive",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_(_NOT_HANDLER),
    ) as s:
        if s.request.responded_at is None:
            s.fields = mark_responded(s.request, s.at)
    return s.request


@transition
@transaction.atomic
def request_require_plan(
    *, request: ServiceRequest, reason: str, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """A special complex problem: a written plan is due within the plan clock (1 working day
    by default: the close of the next working day)."""
    reason = reason_of(reason, _("需出具方案的原因"))
    with step(
        "require_plan",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_(_NOT_HANDLER),
    ) as s:
        s.note = reason
    return s.request


@transition
@transaction.atomic
def request_submit_plan(
    *,
    request: ServiceRequest,
    plan: str,
    resolve_by: dt.datetime,
    acting_user: User,
    expected_version: int | None = None,
) -> ServiceRequest:
    """The written plan (书面方案) with its own deadline for the resolution."""
    plan = (plan or "").strip()
    if len(plan) < 5:
        raise ApplicationError(
            RequestError.INVALID_PLAN, _("请填写处理方案（至少 5 个字）"), field="plan"
        )
    if timezone.is_naive(resolve_by) or resolve_by <= clock.now():
        raise ApplicationError(
            RequestError.INVALID_PLAN, _("方案完成时间须晚于当前时间"), field="resolve_by"
        )
    with step(
        "submit_plan",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_(_NOT_HANDLER),
    ) as s:
        s.note, s.data["resolve_by"] = plan, resolve_by.isoformat()
    return s.request


@transition
@transaction.atomic
def request_pause(
    *, request: ServiceRequest, reason: str, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """等待居民: the clock stops until the resident is available (on the timeline)."""
    reason = reason_of(reason, _("暂停原因"))
    with step(
        "pause",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有承办单位可以暂停计时"),
    ) as s:
        s.request.paused_from = s.from_status
        s.note, s.fields = reason, ["paused_from"]
    return s.request


@transition
@transaction.atomic
def request_resume(
    *, request: ServiceRequest, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """恢复计时: back to the state the order was paused in."""
    with step(
        "resume",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有承办单位可以恢复计时"),
        guarded=False,
    ) as s:
        if not workflow.WORKFLOW.allowed("resume", acting_user, s.request):
            raise Conflict(RequestError.INVALID_TRANSITION, _("诉求未处于暂停状态"))
        s.to = s.request.paused_from or Status.ACCEPTED
        s.request.paused_from = ""
        s.fields = ["paused_from"]
    return s.request


@transition
@transaction.atomic
def request_resolve(
    *,
    request: ServiceRequest,
    note: str,
    acting_user: User,
    photos: Sequence[Any] = (),
    expected_version: int | None = None,
) -> ServiceRequest:
    """办结: solved; the resident is asked to rate it."""
    note = reason_of(note, _("处理结果"))
    cleaned = [clean_photo(p) for p in photos]
    with step(
        "resolve",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有承办单位可以办结"),
    ) as s:
        request = s.request
        s.fields = ["resolved_at"]
        if request.responded_at is None and request.sla.get("respond_event") != "accepted":
            s.fields += mark_responded(request, s.at)
        request.resolved_at = s.at
        on_time = request.resolve_due_at is None or request.resolved_at <= request.resolve_due_at
        s.note, s.data["on_time"] = note, on_time
        for content, w, h in cleaned:
            RequestPhoto.objects.create(
                request=request,
                kind="after",
                token=new_token(),
                image=content,
                width=w,
                height=h,
                uploaded_by=acting_user,
            )
    stats.bump(request, resolved=1, resolved_on_time=int(on_time))
    notify(
        request,
        "resolved",
        Text(gettext_noop("您反映的问题已办结 %(number)s"), {"number": request.number}),
        Text(gettext_noop("处理结果：%(result)s。请对本次服务进行评价。"), {"result": note[:80]}),
        reporters(request),
    )
    return request
