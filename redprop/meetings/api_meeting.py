"""Meetings API, one meeting: read, workflow steps, agenda, invitations, check-in
link, attendance, minutes, resolutions and their follow-ups.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from redprop.core import clock
from redprop.core.errors import ApplicationError, ErrorCode, NotFound
from redprop.meetings import services
from redprop.meetings.api_schemas import (
    AttendanceIn,
    CheckinLink,
    FollowUpOut,
    InviteIn,
    IssueRef,
    ItemOut,
    MeetingDetail,
    MinutesIn,
    NoteIn,
    ParticipantOut,
    ResolutionIn,
    ResolutionOut,
    SpawnIn,
    StepIn,
    VoteLaunchIn,
    _compound,
    _issue,
    _item,
    _meeting,
    _org,
    _person,
    _require_organiser,
    _resolution,
    meeting_detail_dict,
)
from redprop.meetings.models import (
    Participant,
    Resolution,
)
from redprop.meetings.workflow import MEETING, RESOLUTION

router = Router()


@router.get("/{meeting_id}", response=MeetingDetail)
def meetings_meeting_read(request: HttpRequest, meeting_id: int) -> Any:
    return meeting_detail_dict(request, _meeting(request, meeting_id))


@router.post("/{meeting_id}/steps/{action}", response=MeetingDetail)
def meetings_meeting_step(
    request: HttpRequest, meeting_id: int, action: str, payload: StepIn
) -> Any:
    m = _meeting(request, meeting_id)
    if action not in MEETING.actions:
        raise NotFound()
    user = request.user
    if action == "convene":
        services.meeting_convene(meeting=m, acting_user=user)
    elif action == "start":
        services.meeting_start(meeting=m, acting_user=user)
    elif action == "finish":
        services.meeting_finish(meeting=m, acting_user=user)
    elif action == "publish_minutes":
        services.meeting_publish_minutes(meeting=m, summary=payload.summary, acting_user=user)
    else:
        services.meeting_cancel(meeting=m, reason=payload.reason, acting_user=user)
    return meeting_detail_dict(request, _meeting(request, meeting_id))


@router.post("/{meeting_id}/agenda/build", response=MeetingDetail)
def meetings_agenda_build(request: HttpRequest, meeting_id: int) -> Any:
    m = _meeting(request, meeting_id)
    services.agenda_build(meeting=m, acting_user=request.user)
    return meeting_detail_dict(request, m)


@router.post("/{meeting_id}/agenda", response={201: ItemOut})
def meetings_agenda_add(request: HttpRequest, meeting_id: int, payload: IssueRef) -> Any:
    m = _meeting(request, meeting_id)
    _require_organiser(request, m)
    issue = _issue(request, payload.issue_id, field="issue_id")
    item = services.agenda_add(meeting=m, issue=issue, acting_user=request.user)
    return Status(
        201, next(i for i in meeting_detail_dict(request, m)["agenda"] if i["id"] == item.pk)
    )


@router.post("/{meeting_id}/invite", response={201: ParticipantOut})
def meetings_invite(request: HttpRequest, meeting_id: int, payload: InviteIn) -> Any:
    m = _meeting(request, meeting_id)
    _require_organiser(request, m)
    row = services.participant_invite(
        meeting=m,
        org=_org(payload.org_id, m, "org_id"),
        person=_person(request, payload.person_id, m, "person_id"),
        party=payload.party or "",
        acting_user=request.user,
    )
    return Status(201, row)


@router.get("/{meeting_id}/checkin-link", response=CheckinLink)
def meetings_checkin_link(request: HttpRequest, meeting_id: int) -> Any:
    from django.urls import reverse

    m = _meeting(request, meeting_id)
    _require_organiser(request, m)
    token = services.checkin_token(m)
    return {
        "url": request.build_absolute_uri(reverse("meetings:checkin", args=[token])),
        "expires_in": int(services._checkin_max_age().total_seconds()),
    }


@router.post("/{meeting_id}/attendance/{participant_id}", response=ParticipantOut)
def meetings_attendance(
    request: HttpRequest, meeting_id: int, participant_id: int, payload: AttendanceIn
) -> Any:
    m = _meeting(request, meeting_id)
    row = Participant.objects.filter(pk=participant_id, meeting=m).first()
    if row is None:
        raise NotFound()
    return services.attendance_mark(
        participant=row, present=payload.present, acting_user=request.user
    )


@router.post("/items/{item_id}/minutes", response=ItemOut)
def meetings_item_minutes(request: HttpRequest, item_id: int, payload: MinutesIn) -> Any:
    item = _item(request, item_id)
    services.minutes_record(
        item=item,
        discussion=payload.discussion,
        deferred=payload.deferred,
        acting_user=request.user,
    )
    return next(
        i for i in meeting_detail_dict(request, item.meeting)["agenda"] if i["id"] == item.pk
    )


@router.post("/items/{item_id}/resolution", response={201: ResolutionOut})
def meetings_item_resolution(request: HttpRequest, item_id: int, payload: ResolutionIn) -> Any:
    item = _item(request, item_id)
    _require_organiser(request, item.meeting)
    res = services.resolution_adopt(
        item=item,
        text=payload.text,
        deadline=payload.deadline,
        responsible_org=_org(payload.responsible_org_id, item.meeting, "responsible_org_id"),
        responsible_person=_person(
            request, payload.responsible_person_id, item.meeting, "responsible_person_id"
        ),
        discussion=payload.discussion,
        acting_user=request.user,
    )
    return Status(201, res)


@router.post("/resolutions/{resolution_id}/steps/{action}", response=ResolutionOut)
def meetings_resolution_step(
    request: HttpRequest, resolution_id: int, action: str, payload: NoteIn
) -> Any:
    res = _resolution(request, resolution_id)
    if action not in RESOLUTION.actions:
        raise NotFound()
    services.resolution_step(
        resolution=res, action=action, note=payload.note, acting_user=request.user
    )
    return Resolution.objects.get(pk=res.pk)


@router.post("/resolutions/{resolution_id}/votes", response={201: FollowUpOut})
def meetings_resolution_vote(
    request: HttpRequest, resolution_id: int, payload: VoteLaunchIn
) -> Any:
    res = _resolution(request, resolution_id)
    _require_organiser(request, res.item.meeting)
    compound = _compound(request, payload.compound_id) if payload.compound_id else None
    f = services.resolution_launch_vote(
        resolution=res,
        item=payload.item,
        title=payload.title,
        compound=compound,
        closes_at=clock.now() + dt.timedelta(days=payload.days),
        acting_user=request.user,
    )
    return Status(201, f)


@router.post("/resolutions/{resolution_id}/requests", response={201: FollowUpOut})
def meetings_resolution_request(request: HttpRequest, resolution_id: int, payload: SpawnIn) -> Any:
    from redprop.requests.models import Category

    res = _resolution(request, resolution_id)
    _require_organiser(request, res.item.meeting)
    category = Category.objects.filter(code=payload.category, is_active=True).first()
    if category is None:
        raise ApplicationError(ErrorCode.VALIDATION, _("分类不存在"), field="category")
    compound = _compound(request, payload.compound_id) if payload.compound_id else None
    f = services.resolution_spawn_request(
        resolution=res,
        category=category,
        description=payload.description,
        compound=compound,
        acting_user=request.user,
    )
    return Status(201, f)
