"""/api/v1/meetings: series and occurrences, meetings and their workflow, issues (议题)
and the agenda, check-in, minutes and resolutions (决议), counts, calendar feeds.

Every write is a service; a refusal is ``{code, message, field}`` with a 4xx."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from redprop.core import clock, inputs
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int, Text
from redprop.meetings import permissions, recurrence, selectors, services
from redprop.meetings.choices import MeetingKind, Party
from redprop.meetings.models import (
    MINUTES_MAX,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AgendaItem,
    CalendarFeed,
    Issue,
    Meeting,
    MeetingSeries,
    Participant,
    Resolution,
)
from redprop.meetings.workflow import MEETING, RESOLUTION

router = Router(tags=["meetings 议事协商"])

Title = Text(TITLE_MAX, required=True)
Body = Text(TEXT_MAX)
Minutes = Text(MINUTES_MAX)
Reason = Text(200)
Rule = Text(300, required=True)


# --- schemas -------------------------------------------------------------------------------


class MeetingRow(Schema):
    id: int
    title: str
    kind: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    community_id: int | None
    compound_id: int | None
    series_id: int | None
    occurrence_date: dt.date | None


class ResolutionOut(Schema):
    id: int
    text: str
    status: str
    deadline: dt.date
    responsible_org_id: int | None
    responsible_person_id: int | None
    done_at: dt.datetime | None
    followups: list[dict[str, Any]]

    @staticmethod
    def resolve_followups(obj: Resolution) -> list[dict[str, Any]]:
        return [
            {
                "kind": f.kind,
                "object_id": f.object_id,
                "label": f.label,
                "status": f.status,
                "closed": f.closed,
            }
            for f in obj.followups.all()
        ]


class ItemOut(Schema):
    id: int
    position: int
    issue_id: int
    title: str
    raised_by: str
    source: str
    supporters: int
    request_id: int | None
    carried_count: int
    status: str
    discussion: str
    resolution: ResolutionOut | None


class PartyOut(Schema):
    label: str
    invited: int
    present: int
    absent: int


class MeetingDetail(MeetingRow):
    summary: str
    agenda: list[ItemOut]
    attendance: dict[str, PartyOut]
    actions: list[str]


class IssueOut(Schema):
    id: int
    title: str
    description: str
    status: str
    source: str
    supporters: int
    community_id: int | None
    compound_id: int | None
    request_id: int | None
    meeting_id: int | None
    merged_into_id: int | None


class IssueIn(Schema):
    title: Title  # type: ignore[valid-type]
    description: Body = ""  # type: ignore[valid-type]
    community_id: Id | None = None
    compound_id: Id | None = None


class MergeIn(Schema):
    into_id: Id


class IssueRef(Schema):
    issue_id: Id


class StepIn(Schema):
    reason: Reason = ""  # type: ignore[valid-type]
    summary: Minutes = ""  # type: ignore[valid-type]


class MeetingIn(Schema):
    kind: MeetingKind
    title: Title  # type: ignore[valid-type]
    starts_at: dt.datetime
    duration_minutes: Int(15, 600) = 90  # type: ignore[valid-type]
    place: Text(PLACE_MAX) = ""  # type: ignore[valid-type]
    community_id: Id | None = None
    compound_id: Id | None = None


class InviteIn(Schema):
    org_id: Id | None = None
    person_id: Id | None = None
    party: Party | None = None


class CheckinIn(Schema):
    token: Text(200, required=True)  # type: ignore[valid-type]


class CheckinLink(Schema):
    url: str
    expires_in: int


class AttendanceIn(Schema):
    present: bool


class ParticipantOut(Schema):
    id: int
    party: str
    attendance: str
    checkin_method: str


class MinutesIn(Schema):
    discussion: Text(MINUTES_MAX, required=True)  # type: ignore[valid-type]
    deferred: bool = False


class ResolutionIn(Schema):
    text: Text(TEXT_MAX, required=True)  # type: ignore[valid-type]
    deadline: dt.date
    responsible_org_id: Id | None = None
    responsible_person_id: Id | None = None
    discussion: Minutes = ""  # type: ignore[valid-type]


class NoteIn(Schema):
    note: Text(TEXT_MAX, required=True)  # type: ignore[valid-type]


class SpawnIn(Schema):
    category: Text(inputs.CODE_MAX, required=True)  # type: ignore[valid-type]
    description: Text(TEXT_MAX, required=True)  # type: ignore[valid-type]
    compound_id: Id | None = None


class VoteLaunchIn(Schema):
    """Launch an owners' vote from a resolution: the art. 278 item (1–9), its title,
    the compound (default: the meeting's), how many days it stays open."""

    item: Int(1, 9)  # type: ignore[valid-type]
    title: Text(TITLE_MAX, required=True)  # type: ignore[valid-type]
    compound_id: Id | None = None
    days: Int(1, 60) = 14  # type: ignore[valid-type]


class FollowUpOut(Schema):
    kind: str
    object_id: int
    label: str
    status: str


class ToMeetingIn(Schema):
    note: Body = ""  # type: ignore[valid-type]


class ToMeetingOut(Schema):
    issue_id: int
    meeting_id: int
    item_id: int
    meeting_title: str


class SeriesOut(Schema):
    id: int
    name: str
    kind: str
    rule: str
    starts_on: dt.date
    start_time: dt.time
    duration_minutes: int
    place: str
    community_id: int | None
    compound_id: int | None


class SeriesIn(Schema):
    name: Title  # type: ignore[valid-type]
    community_id: Id
    compound_id: Id | None = None
    kind: MeetingKind = MeetingKind.CONSULTATION
    rule: Text(300) = ""  # type: ignore[valid-type]
    starts_on: dt.date | None = None
    start_time: dt.time = dt.time(9, 30)
    duration_minutes: Int(15, 600) = 90  # type: ignore[valid-type]
    place: Text(PLACE_MAX) = ""  # type: ignore[valid-type]


class RuleIn(Schema):
    rule: Rule  # type: ignore[valid-type]


class OccurrenceIn(Schema):
    action: Literal["move", "cancel"]
    new_start: dt.datetime | None = None
    reason: Reason = ""  # type: ignore[valid-type]


class OccurrenceOut(Schema):
    rule_date: dt.date
    starts_at: dt.datetime
    cancelled: bool
    moved: bool
    holiday: bool
    meeting_id: int | None


class CountOut(Schema):
    region_id: int
    name: str
    year: int
    month: int | None
    figures: dict[str, int]


class FeedIn(Schema):
    kind: Literal["community", "person"]
    community_id: Id | None = None


class FeedOut(Schema):
    id: int
    kind: str
    community_id: int | None
    url: str


# --- lookups --------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.user


def _meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    m = selectors.meeting_for_user(user=request.user, meeting_id=meeting_id)
    if m is None:
        raise NotFound()
    return m


def _item(request: HttpRequest, item_id: int) -> AgendaItem:
    item = AgendaItem.objects.select_related("meeting", "issue").filter(pk=item_id).first()
    if item is None or not request.user.scope_set().contains(item.meeting):  # type: ignore[union-attr]
        raise NotFound()
    return item


def _resolution(request: HttpRequest, resolution_id: int) -> Resolution:
    res = Resolution.objects.select_related("item__meeting").filter(pk=resolution_id).first()
    if res is None or not request.user.scope_set().contains(res.item.meeting):  # type: ignore[union-attr]
        raise NotFound()
    return res


def _issue(request: HttpRequest, issue_id: int, field: str | None = None) -> Issue:
    issue = selectors.issues_visible(scope=request.user.scope_set()).filter(pk=issue_id).first()  # type: ignore[union-attr]
    if issue is None:
        if field:
            raise ApplicationError(ErrorCode.VALIDATION, _("议题不存在"), field=field)
        raise NotFound()
    return issue


def _series(request: HttpRequest, series_id: int) -> MeetingSeries:
    s = request.user.scope_set().filter(MeetingSeries.objects.filter(pk=series_id)).first()  # type: ignore[union-attr]
    if s is None:
        raise NotFound()
    return s


def _region(request: HttpRequest, pk: int | None, field: str) -> Any:
    from redprop.territory.models import Region

    r = Region.objects.filter(pk=pk or 0, level="community").first()
    if r is None or not permissions.community_in_reach(request.user, r):
        raise ApplicationError(ErrorCode.VALIDATION, _("社区不存在"), field=field)
    return r


def _compound(request: HttpRequest, pk: int | None, field: str = "compound_id") -> Any:
    from redprop.territory.models import Compound

    c = Compound.objects.filter(pk=pk or 0).first()
    if c is None or not request.user.scope_set().contains(c):  # type: ignore[union-attr]
        raise ApplicationError(ErrorCode.VALIDATION, _("小区不存在"), field=field)
    return c


def _require_organiser(request: HttpRequest, meeting: Meeting) -> None:
    """403 before any id in the body is looked up (a viewer's refusal never depends on
    whether those ids exist)."""
    if not permissions.is_organiser(request.user, meeting):
        raise PermissionDenied()


def _org(pk: int | None, meeting: Meeting, field: str) -> Any:
    """An organisation placed in the meeting's street or community, or serving it."""
    from django.db.models import Q

    from redprop.orgs.models import Org

    if pk is None:
        return None
    org = (
        Org.objects.filter(pk=pk, is_active=True)
        .filter(
            Q(street_id=meeting.street_id)
            | Q(community_id=meeting.community_id)
            | Q(city_id=meeting.city_id, street__isnull=True)
        )
        .first()
    )
    if org is None:
        raise ApplicationError(ErrorCode.VALIDATION, _("单位不存在"), field=field)
    return org


def _person(request: HttpRequest, pk: int | None, meeting: Meeting, field: str) -> Any:
    from redprop.people.models import Person

    if pk is None:
        return None
    p = Person.objects.filter(pk=pk).first()
    if p is None or not (
        p.community_id == meeting.community_id or request.user.scope_set().contains(p)  # type: ignore[union-attr]
    ):
        raise ApplicationError(ErrorCode.VALIDATION, _("人员不存在"), field=field)
    return p


def _raised_by(issue: Issue) -> str:
    if issue.raised_by_person_id:
        return issue.raised_by_person.name  # type: ignore[union-attr]
    return str(issue.raised_by or "")


def meeting_detail_dict(request: HttpRequest, m: Meeting) -> dict[str, Any]:
    items = selectors.agenda(meeting=m)
    latest = selectors.resolutions_of_issue(i.issue_id for i in items)
    return {
        **MeetingRow.from_orm(m).dict(),
        "summary": m.summary,
        "agenda": [
            {
                "id": i.pk,
                "position": i.position,
                "issue_id": i.issue_id,
                "title": i.issue.title,
                "raised_by": _raised_by(i.issue),
                "source": i.issue.source,
                "supporters": i.issue.supporters,
                "request_id": i.issue.request_id,
                "carried_count": i.carried_count,
                "status": i.status,
                "discussion": i.discussion,
                "resolution": getattr(i, "resolution", None) or latest.get(i.issue_id),
            }
            for i in items
        ],
        "attendance": selectors.attendance_by_party(meeting=m),
        "actions": sorted(MEETING.available(request.user, m)),
    }


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
    return 201, s


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


@router.get("", response=list[MeetingRow])
def meetings_meeting_list(request: HttpRequest, upcoming: bool | None = None) -> Any:
    return selectors.meeting_list(scope=request.user.scope_set(), upcoming=upcoming)  # type: ignore[union-attr]


@router.post("", response={201: MeetingDetail})
def meetings_meeting_create(request: HttpRequest, payload: MeetingIn) -> Any:
    place = (
        _compound(request, payload.compound_id)
        if payload.compound_id
        else _region(request, payload.community_id, "community_id")
    )
    m = services.meeting_create(
        place=place,
        kind=payload.kind,
        title=payload.title,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        venue=payload.place,
        acting_user=request.user,
    )
    return 201, meeting_detail_dict(request, m)


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
    return 201, issue


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
    return 201, {
        "issue_id": item.issue_id,
        "meeting_id": item.meeting_id,
        "item_id": item.pk,
        "meeting_title": item.meeting.title,
    }


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
    return 201, _feed_out(request, f)


@router.post("/feeds/{feed_id}/revoke", response={204: None})
def meetings_feed_revoke(request: HttpRequest, feed_id: int) -> Any:
    f = CalendarFeed.objects.filter(pk=feed_id, user=request.user).first()
    if f is None:
        raise NotFound()
    services.feed_revoke(feed=f, acting_user=request.user)
    return 204, None


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
    return 201, next(i for i in meeting_detail_dict(request, m)["agenda"] if i["id"] == item.pk)


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
    return 201, row


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
    return 201, res


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
    return 201, f


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
    return 201, f
