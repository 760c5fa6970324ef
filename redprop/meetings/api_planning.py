"""Meetings API, planning: series and occurrences, meetings (list, create, counts),
issues, a request taken to a meeting, check-in by token, calendar feeds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from redprop.core import clock
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int
from redprop.meetings import permissions, recurrence, selectors, services
from redprop.meetings.api_schemas import (
    CheckinIn,
    CountOut,
    FeedIn,
    FeedOut,
    IssueIn,
    IssueOut,
    MergeIn,
    OccurrenceIn,
    OccurrenceOut,
    ParticipantOut,
    RuleIn,
    SeriesIn,
    SeriesOut,
    ToMeetingIn,
    ToMeetingOut,
    _compound,
    _issue,
    _region,
    _series,
)
from redprop.meetings.models import (
    CalendarFeed,
    MeetingSeries,
)

router = Router()


# --- series ---------------------------------------------------------------------------------


@router.get("/series", response=list[SeriesOut])
def meetings_series_list(request: HttpRequest) -> Any:
    return list(request.user.scope_set().filter(MeetingSeries.objects.all())[:200])  # type: ignore[union-attr]


@router.post("/series", response={201: SeriesOut})
def meetings_series_create(request: HttpRequest, payload: SeriesIn) -> Any:
    community = _region(request, payload.community_id, "community_id")
    compound = _compound(request, payload.compound_id) if payload.compound_id else None
    s = services.series_create(
        community=community,
        compound=compound,
        name=payload.name,
        kind=payload.kind,
        rule=payload.rule,
        starts_on=payload.starts_on,
        start_time=payload.start_time,
        duration_minutes=payload.duration_minutes,
        place=payload.place,
        convener=request.user,
        acting_user=request.user,
    )
    return Status(201, s)


@router.post("/series/{series_id}/rule", response=SeriesOut)
def meetings_series_rule(request: HttpRequest, series_id: int, payload: RuleIn) -> Any:
    return services.series_set_rule(
        series=_series(request, series_id), rule=payload.rule, acting_user=request.user
    )


@router.get("/series/{series_id}/occurrences", response=list[OccurrenceOut])
def meetings_series_occurrences(
    request: HttpRequest, series_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> Any:
    s = _series(request, series_id)
    start = start or clock.now().astimezone(recurrence.zone()).date()
    end = end or start + dt.timedelta(days=92)
    if not dt.date(2000, 1, 1) <= start <= end <= start + dt.timedelta(days=731):
        raise ApplicationError(ErrorCode.VALIDATION, _("时间范围不能超过两年"), field="end")
    return [
        {**o.__dict__, "meeting_id": m.pk if m else None}
        for o, m in selectors.series_occurrences(series=s, start=start, end=end)
    ]


@router.post("/series/{series_id}/occurrences/{rule_date}", response=OccurrenceOut)
def meetings_series_occurrence_change(
    request: HttpRequest, series_id: int, rule_date: dt.date, payload: OccurrenceIn
) -> Any:
    s = _series(request, series_id)
    if payload.action == "move":
        if payload.new_start is None:
            raise ApplicationError(ErrorCode.VALIDATION, _("请填写改期后的时间"), field="new_start")
        services.occurrence_move(
            series=s,
            rule_date=rule_date,
            new_start=payload.new_start,
            reason=payload.reason,
            acting_user=request.user,
        )
    else:
        services.occurrence_cancel(
            series=s, rule_date=rule_date, reason=payload.reason, acting_user=request.user
        )
    s.refresh_from_db()
    found = [
        (o, m)
        for o, m in selectors.series_occurrences(
            series=s, start=rule_date - dt.timedelta(days=1), end=rule_date + dt.timedelta(days=400)
        )
        if o.rule_date == rule_date
    ]
    o, m = found[0]
    return {**o.__dict__, "meeting_id": m.pk if m else None}


# --- meetings -------------------------------------------------------------------------------


@router.get("/counts", response=list[CountOut])
def meetings_meeting_counts(
    request: HttpRequest,
    year: Int(2000, 2100),  # type: ignore[valid-type]
    level: Literal["community", "street"] = "community",
    month: Int(1, 12) | None = None,  # type: ignore[valid-type]
) -> Any:
    return [
        r.__dict__
        for r in selectors.meeting_counts(
            scope=request.user.scope_set(),
            level=level,
            year=year,
            month=month,  # type: ignore[union-attr]
        )
    ]


@router.get("/issues", response=list[IssueOut])
def meetings_issue_list(request: HttpRequest, community_id: Id | None = None) -> Any:  # type: ignore[valid-type]
    return selectors.issue_pool(scope=request.user.scope_set(), community_id=community_id)  # type: ignore[union-attr]


@router.post("/issues", response={201: IssueOut})
def meetings_issue_create(request: HttpRequest, payload: IssueIn) -> Any:
    from redprop.territory.models import Compound, Region

    place: Any = None
    if payload.compound_id:
        place = Compound.objects.filter(pk=payload.compound_id).first()
    elif payload.community_id:
        place = Region.objects.filter(pk=payload.community_id, level="community").first()
    if place is None or not permissions.can_propose(request.user, place):
        raise ApplicationError(
            ErrorCode.VALIDATION,
            _("请选择您所在的社区或小区"),
            field="compound_id" if payload.compound_id else "community_id",
        )
    issue = services.issue_propose(
        place=place, title=payload.title, description=payload.description, acting_user=request.user
    )
    return Status(201, issue)


@router.post("/issues/{issue_id}/merge", response=IssueOut)
def meetings_issue_merge(request: HttpRequest, issue_id: int, payload: MergeIn) -> Any:
    issue = _issue(request, issue_id)
    if not permissions.is_staff(request.user, issue):
        raise PermissionDenied()
    into = _issue(request, payload.into_id, field="into_id")
    return services.issue_merge(issue=issue, into=into, acting_user=request.user)


@router.post("/from-request/{request_id}", response={201: ToMeetingOut})
def meetings_request_to_meeting(request: HttpRequest, request_id: int, payload: ToMeetingIn) -> Any:
    """上会: send a service request to its community's next 逢四说事."""
    from redprop.requests.selectors import request_for_user

    obj = request_for_user(user=request.user, request_id=request_id)
    if obj is None:
        raise NotFound()
    item = services.issue_from_request(request=obj, note=payload.note, acting_user=request.user)
    return Status(
        201,
        {
            "issue_id": item.issue_id,
            "meeting_id": item.meeting_id,
            "item_id": item.pk,
            "meeting_title": item.meeting.title,
        },
    )


@router.post("/checkin", response=ParticipantOut)
def meetings_checkin(request: HttpRequest, payload: CheckinIn) -> Any:
    return services.checkin_scan(token=payload.token, acting_user=request.user)


@router.get("/feeds", response=list[FeedOut])
def meetings_feed_list(request: HttpRequest) -> Any:
    return [_feed_out(request, f) for f in selectors.feeds_of(user=request.user)]


def _feed_out(request: HttpRequest, f: CalendarFeed) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": f.pk,
        "kind": f.kind,
        "community_id": f.community_id,
        "url": request.build_absolute_uri(reverse("meetings:feed", args=[f.token])),
    }


@router.post("/feeds", response={201: FeedOut})
def meetings_feed_create(request: HttpRequest, payload: FeedIn) -> Any:
    community = None
    if payload.kind == "community":
        community = _region(request, payload.community_id, "community_id")
    f = services.feed_issue(
        user=request.user, kind=payload.kind, community=community, acting_user=request.user
    )
    return Status(201, _feed_out(request, f))


@router.post("/feeds/{feed_id}/revoke", response={204: None})
def meetings_feed_revoke(request: HttpRequest, feed_id: int) -> Any:
    f = CalendarFeed.objects.filter(pk=feed_id, user=request.user).first()
    if f is None:
        raise NotFound()
    services.feed_revoke(feed=f, acting_user=request.user)
    return Status(204, None)
