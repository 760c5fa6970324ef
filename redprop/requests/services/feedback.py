"""The resident's word and the community's follow-up: rating (评价), the phone
revisit (回访), reopening (重办) and closing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core.errors import ApplicationError
from redprop.notifications.texts import Text
from redprop.requests import stats
from redprop.requests.choices import EventKind, RatingSource, Satisfaction
from redprop.requests.errors import RequestError
from redprop.requests.models import Rating, RequestEvent, ServiceRequest
from redprop.requests.services.base import handlers, notify, reason_of, step, transition

if TYPE_CHECKING:
    from redprop.accounts.models import User


def _record_rating(
    request: ServiceRequest,
    *,
    source: str,
    score: int | None,
    solved: bool,
    comment: str,
    by: User,
) -> None:
    if score is not None and score not in Satisfaction.values:
        raise ApplicationError(RequestError.INVALID_RATING, _("满意度须为 1 至 5"), field="score")
    previous = request.ratings.filter(superseded=False).first()
    if previous is not None:
        previous.superseded = True
        previous.save(update_fields=["superseded"])
        stats.bump(request, **stats.rating_deltas(previous.score, previous.solved, sign=-1))
    Rating.objects.create(
        request=request, source=source, score=score, solved=solved, comment=comment[:1000], by=by
    )
    stats.bump(request, **stats.rating_deltas(score, solved))
    request.rating, request.solved = score, solved


def _rated(
    action: str,
    *,
    request: ServiceRequest,
    source: str,
    score: int | None,
    solved: bool,
    note: str,
    acting_user: User,
    expected_version: int | None,
    refused: str,
) -> ServiceRequest:
    """A rating (the resident's, or the revisit's): the step to RATED with its score."""
    with step(
        action,
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=refused,
    ) as s:
        if score is None and source == RatingSource.RESIDENT:
            raise ApplicationError(RequestError.INVALID_RATING, _("请选择满意度"), field="score")
        _record_rating(
            s.request, source=source, score=score, solved=solved, comment=note, by=acting_user
        )
        s.note, s.data = note, {"score": score, "solved": solved}
        s.fields = ["rating", "solved"]
    return s.request


@transition
@transaction.atomic
def request_rate(
    *,
    request: ServiceRequest,
    score: int,
    solved: bool,
    comment: str = "",
    acting_user: User,
    expected_version: int | None = None,
) -> ServiceRequest:
    """The resident rates the result (非常满意 … 非常不满意) and says whether it was solved.
    Only the reporter (never a follower), and never staff of the request's place."""
    return _rated(
        "rate",
        request=request,
        source=RatingSource.RESIDENT,
        score=score,
        solved=solved,
        note=comment,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有反映人可以评价"),
    )


@transition
@transaction.atomic
def request_revisit(
    *,
    request: ServiceRequest,
    solved: bool,
    score: int | None = None,
    note: str = "",
    acting_user: User,
    expected_version: int | None = None,
) -> ServiceRequest:
    """回访: community staff phone a resident who did not rate, and record the answer."""
    return _rated(
        "revisit",
        request=request,
        source=RatingSource.REVISIT,
        score=score,
        solved=solved,
        note=note,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有社区或街道工作人员可以回访"),
    )


@transition
@transaction.atomic
def request_reopen(
    *, request: ServiceRequest, reason: str, acting_user: User, expected_version: int | None = None
) -> ServiceRequest:
    """重办: not satisfied; back to the same unit, up to the policy's limit. Counted."""
    reason = reason_of(reason, _("重新办理的原因"))
    with step(
        "reopen",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有反映人或社区工作人员可以要求重新办理"),
    ) as s:
        request = s.request
        limit = int(request.sla.get("max_reopens", 2))
        if request.reopen_count >= limit:
            raise ApplicationError(
                RequestError.REOPEN_LIMIT,
                _("该诉求已重新办理 %(limit)s 次，请联系社区") % {"limit": limit},
                status=409,
            )
        last_resolved = RequestEvent.objects.filter(
            request=request, kind=EventKind.RESOLVED
        ).latest("id")
        stats.bump(
            request,
            resolved=-1,
            resolved_on_time=-int(bool(last_resolved.data.get("on_time"))),
            reopened=1,
        )
        request.reopen_count += 1
        request.resolved_at = None
        s.note, s.fields = reason, ["reopen_count", "resolved_at"]
    notify(
        request,
        "reopened",
        Text(gettext_noop("诉求重新办理 %(number)s"), {"number": request.number}),
        reason,
        handlers(request),
    )
    return request


@transition
@transaction.atomic
def request_close(
    *,
    request: ServiceRequest,
    acting_user: User | None,
    note: str = "",
    expected_version: int | None = None,
) -> ServiceRequest:
    """关闭: staff close a resolved request; ``acting_user=None`` is the clock's
    auto-close of what nobody rated (``clock.auto_close_sweep``)."""
    with step(
        "close",
        request=request,
        acting_user=acting_user,
        expected_version=expected_version,
        refused=_("只有社区或街道工作人员可以关闭诉求"),
    ) as s:
        s.request.closed_at = s.at
        s.note, s.fields, s.sla = note, ["closed_at"], False
    return s.request
