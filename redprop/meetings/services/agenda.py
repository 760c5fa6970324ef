"""Issues (议题) and the agenda: proposing, from a request, merging, ordering."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.errors import ApplicationError, ErrorCode, PermissionDenied
from redprop.meetings import permissions
from redprop.meetings.choices import (
    OPEN_ISSUE_STATES,
    OPEN_MEETING_STATES,
    IssueSource,
    IssueStatus,
    ItemStatus,
)
from redprop.meetings.errors import MeetingError
from redprop.meetings.models import (
    TEXT_MAX,
    TITLE_MAX,
    AgendaItem,
    Issue,
    Meeting,
)
from redprop.meetings.services.base import (
    _lock_meeting,
    _require_organiser,
    _text,
)
from redprop.meetings.services.series import next_meeting

# --- issues and the agenda --------------------------------------------------------------


@transaction.atomic
def issue_propose(
    *,
    place: Any,
    title: str,
    acting_user: Any,
    description: str = "",
    meeting: Meeting | None = None,
) -> Issue:
    """议题 from the phone: a resident, the butler, a desk or the 三方联动专员 raises a
    matter for a community (or one of its compounds)."""
    if not permissions.can_propose(acting_user, place):
        raise ApplicationError(
            ErrorCode.VALIDATION, _("请选择您所在的社区或小区"), field="place", status=400
        )
    title = _text(title, "title", TITLE_MAX, required=True)
    description = _text(description, "description", TEXT_MAX)
    issue = Issue(
        title=title,
        description=description,
        source=permissions.source_for(acting_user),
        raised_by=acting_user,
        raised_by_person_id=acting_user.person_id,
        raised_as=",".join(sorted(acting_user.role_names()))[:24],
        compound=place if getattr(place, "level", None) is None else None,
        meeting=meeting,
        created_at=clock.now(),
    )
    issue.set_place(place)
    if meeting is not None and meeting.community_id != issue.community_id:
        raise ApplicationError(ErrorCode.VALIDATION, _("会议不属于该社区"), field="meeting")
    issue.save()
    return issue


@transaction.atomic
def issue_from_request(*, request: Any, acting_user: Any, note: str = "") -> AgendaItem:
    """上会: send a service request that needs a collective decision to the community's
    next 逢四说事, in one step. The issue keeps the request (and the request its issue);
    the request's timeline shows "上会". Not a state change of the request."""
    from redprop.requests.choices import EventKind
    from redprop.requests.models import ServiceRequest
    from redprop.requests.services import record_event as record_request_event

    request = ServiceRequest.objects.select_for_update(of=("self",)).get(pk=request.pk)
    if not permissions.can_send_request(acting_user, request):
        raise PermissionDenied(_("只有社区、街道工作人员可以将诉求提交上会"))
    note = _text(note, "note", TEXT_MAX)
    if Issue.objects.filter(request=request).exclude(status=IssueStatus.MERGED).exists():
        raise ApplicationError(MeetingError.ALREADY_SENT, _("该诉求已提交上会"), field="request")
    if request.community_id is None:
        raise ApplicationError(ErrorCode.VALIDATION, _("该诉求不属于任何社区"), field="request")
    from redprop.territory.models import Region

    community = Region.objects.get(pk=request.community_id)
    meeting = next_meeting(community=community)
    issue = Issue(
        title=(f"{request.category.name}：{request.description}")[:TITLE_MAX],
        description=(note or request.description)[:TEXT_MAX],
        source=IssueSource.REQUEST,
        raised_by=acting_user,
        raised_by_person_id=request.reporter_id,
        raised_as="request",
        compound_id=request.compound_id,
        request=request,
        meeting=meeting,
        created_at=clock.now(),
    )
    for col in ("city_id", "district_id", "street_id", "community_id", "grid_id"):
        setattr(issue, col, getattr(request, col))
    issue.save()
    item = _agenda_append(meeting, issue)
    record_request_event(
        request,
        EventKind.TO_MEETING,
        actor=acting_user,
        note=note,
        meeting=meeting.pk,
        issue=issue.pk,
        meeting_title=meeting.title,
    )
    return item


def _agenda_append(meeting: Meeting, issue: Issue, **fields: Any) -> AgendaItem:
    last = meeting.items.aggregate(m=Max("position"))["m"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting, issue=issue, position=last + 1, created_at=clock.now(), **fields
    )
    Issue.objects.filter(pk=issue.pk).update(
        status=IssueStatus.ON_AGENDA, meeting=meeting, updated_at=clock.now()
    )
    issue.status, issue.meeting = IssueStatus.ON_AGENDA, meeting
    return item


@transaction.atomic
def agenda_add(*, meeting: Meeting, issue: Issue, acting_user: Any) -> AgendaItem:
    """Put a collected issue on a meeting's agenda (at the end)."""
    meeting = _lock_meeting(meeting)
    _require_organiser(acting_user, meeting)
    locked = Issue.objects.select_for_update().filter(pk=issue.pk).first()
    if locked is None or locked.community_id != meeting.community_id:
        raise ApplicationError(ErrorCode.VALIDATION, _("议题不存在或不属于本社区"), field="issue")
    issue = locked
    if meeting.status not in OPEN_MEETING_STATES:
        raise ApplicationError(
            MeetingError.INVALID_TRANSITION, _("会议已开始，不能再增加议程"), field="meeting"
        )
    if issue.status not in OPEN_ISSUE_STATES:
        raise ApplicationError(MeetingError.ISSUE_CLOSED, _("该议题已办结或已合并"), field="issue")
    if AgendaItem.objects.filter(meeting=meeting, issue=issue).exists():
        raise ApplicationError(
            MeetingError.ALREADY_ON_AGENDA, _("该议题已在本次议程中"), field="issue"
        )
    return _agenda_append(meeting, issue)


@transaction.atomic
def agenda_build(*, meeting: Meeting, acting_user: Any) -> list[AgendaItem]:
    """The convener builds the agenda from the collected issues: every issue of the
    community still collected (sent to this meeting or to none), carried items first,
    then by how many people raised it (merged duplicates), then oldest first."""
    meeting = _lock_meeting(meeting)
    _require_organiser(acting_user, meeting)
    if meeting.status not in OPEN_MEETING_STATES:
        raise ApplicationError(MeetingError.INVALID_TRANSITION, _("会议已开始，不能再修改议程"))
    pool = Issue.objects.filter(
        community_id=meeting.community_id, status=IssueStatus.COLLECTED
    ).filter(Q(meeting__isnull=True) | Q(meeting=meeting))
    if meeting.compound_id:
        pool = pool.filter(Q(compound_id=meeting.compound_id) | Q(compound__isnull=True))
    for issue in pool.order_by("-supporters", "created_at", "pk"):
        _agenda_append(meeting, issue)
    return agenda_order(meeting=meeting)


def agenda_order(*, meeting: Meeting) -> list[AgendaItem]:
    """Renumber the agenda: carried items first (most carried first), then the rest in
    their order. Returns the items."""
    items = list(meeting.items.select_related("issue").order_by("position", "pk"))
    items.sort(key=lambda i: (-i.carried_count, i.position, i.pk))
    for n, item in enumerate(items, start=1):
        if item.position != n:
            item.position = n
            item.save(update_fields=["position", "updated_at"])
    return items


@transaction.atomic
def agenda_reorder(*, meeting: Meeting, item_ids: Sequence[int], acting_user: Any) -> None:
    """Set the agenda's order: ``item_ids`` lists every item of the meeting once."""
    meeting = _lock_meeting(meeting)
    _require_organiser(acting_user, meeting)
    if meeting.status not in OPEN_MEETING_STATES:
        raise ApplicationError(MeetingError.INVALID_TRANSITION, _("会议已开始，不能再修改议程"))
    items = {i.pk: i for i in meeting.items.all()}
    if sorted(item_ids) != sorted(items):
        raise ApplicationError(ErrorCode.VALIDATION, _("请列出本次议程的全部议题"), field="items")
    for n, pk in enumerate(item_ids, start=1):
        AgendaItem.objects.filter(pk=pk).update(position=n)


@transaction.atomic
def issue_merge(*, issue: Issue, into: Issue, acting_user: Any) -> Issue:
    """Merge a duplicate into another issue of the same community: it counts as one
    more person raising ``into`` and leaves any open agenda."""
    if issue.pk == into.pk:
        raise ApplicationError(ErrorCode.VALIDATION, _("不能合并到自身"), field="into")
    locked = {i.pk: i for i in Issue.objects.select_for_update().filter(pk__in=[issue.pk, into.pk])}
    issue, into = locked[issue.pk], locked[into.pk]
    if not permissions.is_staff(acting_user, issue):
        raise PermissionDenied()
    if issue.community_id != into.community_id:
        raise ApplicationError(ErrorCode.VALIDATION, _("只能合并同一社区的议题"), field="into")
    if issue.status not in OPEN_ISSUE_STATES or into.status not in OPEN_ISSUE_STATES:
        raise ApplicationError(MeetingError.ISSUE_CLOSED, _("已办结或已合并的议题不能合并"))
    AgendaItem.objects.filter(
        issue=issue, meeting__status__in=OPEN_MEETING_STATES, status=ItemStatus.PENDING
    ).delete()
    issue.status, issue.merged_into = IssueStatus.MERGED, into
    issue.save(update_fields=["status", "merged_into", "updated_at"])
    Issue.objects.filter(pk=into.pk).update(supporters=F("supporters") + 1 + issue.supporters)
    into.refresh_from_db()
    return into
