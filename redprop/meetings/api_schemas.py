"""Schemas and lookups shared by the meetings API's route modules (``api_planning``,
``api_meeting``); imports neither of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Schema

from redprop.core import inputs
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int, Text
from redprop.meetings import permissions, selectors
from redprop.meetings.choices import MeetingKind, Party
from redprop.meetings.models import (
    MINUTES_MAX,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AgendaItem,
    Issue,
    Meeting,
    MeetingSeries,
    Resolution,
)
from redprop.meetings.workflow import MEETING

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
