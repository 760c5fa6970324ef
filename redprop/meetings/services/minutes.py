"""Minutes, resolutions (决议) and their follow-ups: a resolution spawns a request or
launches an owners' vote; their outcome comes back here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, ErrorCode, NotFound
from redprop.core.models import AuditEvent
from redprop.meetings import recurrence
from redprop.meetings.choices import (
    UNFINISHED_RESOLUTION_STATES,
    FollowUpKind,
    IssueStatus,
    ItemStatus,
    MeetingStatus,
    ResolutionStatus,
)
from redprop.meetings.errors import MeetingError
from redprop.meetings.models import (
    MINUTES_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AgendaItem,
    FollowUp,
    Issue,
    Meeting,
    Resolution,
    ResolutionUpdate,
)
from redprop.meetings.services.base import (
    DEADLINE_MAX,
    _lock_meeting,
    _require_organiser,
    _text,
)
from redprop.meetings.workflow import RESOLUTION

# --- minutes and resolutions --------------------------------------------------------------


def _minutes_open(meeting: Meeting) -> None:
    if meeting.status not in (MeetingStatus.IN_PROGRESS, MeetingStatus.HELD):
        raise ApplicationError(
            MeetingError.INVALID_TRANSITION, _("只有进行中或已召开、纪要未发布的会议可以记录纪要")
        )


@transaction.atomic
def minutes_record(
    *, item: AgendaItem, discussion: str, acting_user: Any, deferred: bool = False
) -> AgendaItem:
    """纪要 of one agenda item: what was said; ``deferred`` when no decision was taken
    (the item then carries over)."""
    meeting = _lock_meeting(item.meeting_id)
    _require_organiser(acting_user, meeting)
    _minutes_open(meeting)
    item = AgendaItem.objects.select_for_update().get(pk=item.pk, meeting=meeting)
    item.discussion = _text(discussion, "discussion", MINUTES_MAX, required=True)
    if deferred and hasattr(item, "resolution"):
        raise ApplicationError(
            ErrorCode.VALIDATION, _("已形成决议的议题不能暂缓"), field="deferred"
        )
    item.status = ItemStatus.DEFERRED if deferred else ItemStatus.DISCUSSED
    item.save(update_fields=["discussion", "status", "updated_at"])
    return item


@transaction.atomic
def resolution_adopt(
    *,
    item: AgendaItem,
    text: str,
    deadline: dt.date,
    acting_user: Any,
    responsible_org: Any = None,
    responsible_person: Any = None,
    discussion: str = "",
) -> Resolution:
    """决议 on an agenda item, with a responsible party (an organisation or a person)
    and a deadline. The issue is then resolved (决议已形成)."""
    meeting = _lock_meeting(item.meeting_id)
    _require_organiser(acting_user, meeting)
    _minutes_open(meeting)
    item = (
        AgendaItem.objects.select_for_update()
        .select_related("issue")
        .get(pk=item.pk, meeting=meeting)
    )
    if Resolution.objects.filter(item=item).exists():
        raise ApplicationError(ErrorCode.VALIDATION, _("该议题已形成决议"), field="text")
    text = _text(text, "text", TEXT_MAX, required=True)
    if responsible_org is None and responsible_person is None:
        raise ApplicationError(
            MeetingError.RESPONSIBLE_REQUIRED, _("请指定责任单位或责任人"), field="responsible_org"
        )
    day = meeting.starts_at.astimezone(recurrence.zone()).date()
    if not isinstance(deadline, dt.date) or not day <= deadline <= day + DEADLINE_MAX:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("完成时限应在会议日期之后两年之内"), field="deadline"
        )
    if discussion or not item.discussion:
        item.discussion = _text(discussion, "discussion", MINUTES_MAX) or text
    item.status = ItemStatus.DISCUSSED
    item.save(update_fields=["discussion", "status", "updated_at"])
    res = Resolution.objects.create(
        item=item,
        issue=item.issue,
        text=text,
        deadline=deadline,
        responsible_org=responsible_org,
        responsible_person=responsible_person,
        created_at=clock.now(),
    )
    Issue.objects.filter(pk=item.issue_id).update(
        status=IssueStatus.RESOLVED, updated_at=clock.now()
    )
    _notify_responsible(res)
    return res


def _notify_responsible(res: Resolution) -> None:
    from redprop.notifications.audience import audience
    from redprop.notifications.services import outbox_fanout
    from redprop.notifications.texts import Text

    group = audience(
        persons=[res.responsible_person_id],
        org_roles=(res.responsible_org_id, (Role.COMPANY_STAFF, Role.UNIT_STAFF)),
    )
    if not group:
        return
    values = {"text": res.text[:60], "deadline": res.deadline.isoformat()}
    outbox_fanout(
        kind="meeting.resolution",
        subject=Text(gettext_noop("会议决议待办理"), {}),
        body=Text(gettext_noop("%(text)s（完成时限 %(deadline)s）"), values),
        audience=group,
        link=res.item.meeting.get_absolute_url(),
        payload={"resolution": res.pk},
        target=res,
    )


def resolution_step(
    *,
    resolution: Resolution,
    action: str,
    acting_user: Any,
    note: str = "",
    photo: Any = None,
) -> ResolutionUpdate:
    """One step of a resolution (report progress, complete, reopen, cancel), recorded as
    a progress update with an optional photo. Completing marks the issue done."""
    if action not in RESOLUTION.actions:
        raise NotFound()
    note = _text(note, "note", TEXT_MAX, required=True)
    cleaned = None
    if photo is not None:
        from redprop.requests.photos import clean_photo

        cleaned = clean_photo(photo, field="photo")
    with RESOLUTION.step(
        action,
        acting_user,
        Resolution.objects.select_related("item__meeting"),
        resolution.pk,
        update_fields=["done_at"],
    ) as res:
        to = next(iter(RESOLUTION[action].targets))
        res.done_at = clock.now() if to == ResolutionStatus.DONE else None
        update = ResolutionUpdate(
            resolution=res, author=acting_user, note=note, status=to, created_at=clock.now()
        )
        if cleaned is not None:
            update.photo.save("p.jpg", cleaned[0], save=False)
        update.save()
        issue_statuses: dict[str, IssueStatus] = {
            ResolutionStatus.DONE: IssueStatus.DONE,
            ResolutionStatus.IN_PROGRESS: IssueStatus.RESOLVED,
            ResolutionStatus.CANCELLED: IssueStatus.DROPPED,
        }
        issue_status = issue_statuses[to]
        Issue.objects.filter(pk=res.issue_id).update(status=issue_status, updated_at=clock.now())
        if action in ("reopen", "cancel"):
            audit(
                actor=acting_user,
                event=AuditEvent.MEETING_RESOLUTION_CHANGED,
                target=res,
                action=action,
                note=note,
            )
    return update


# --- follow-ups -----------------------------------------------------------------------------


@transaction.atomic
def resolution_spawn_request(
    *,
    resolution: Resolution,
    category: Any,
    description: str,
    acting_user: Any,
    compound: Any = None,
) -> FollowUp:
    """A resolution spawns a service request (filed by the organiser at the meeting's
    compound or the one given) and follows it."""
    from redprop.requests.choices import Channel
    from redprop.requests.services import request_file

    res = Resolution.objects.select_related("item__meeting").get(pk=resolution.pk)
    meeting = res.item.meeting
    _require_organiser(acting_user, meeting)
    if res.status not in UNFINISHED_RESOLUTION_STATES:
        raise ApplicationError(MeetingError.INVALID_TRANSITION, _("决议已办结或已撤销"))
    compound = compound or meeting.compound or res.issue.compound
    if compound is None or compound.community_id != meeting.community_id:
        raise ApplicationError(ErrorCode.VALIDATION, _("请选择本社区的小区"), field="compound")
    request = request_file(
        acting_user=acting_user,
        category=category,
        description=_text(description, "description", TEXT_MAX, required=True),
        channel=Channel.WINDOW,
        compound=compound,
    )
    return followup_attach(
        resolution=res,
        kind=FollowUpKind.SERVICE_REQUEST,
        object_id=request.pk,
        label=request.number,
        status=request.status,
    )


def resolution_launch_vote(
    *,
    resolution: Resolution,
    item: int,
    title: str,
    acting_user: Any,
    compound: Any = None,
    closes_at: dt.datetime | None = None,
) -> FollowUp:
    """A resolution launches an owners' vote (业主表决, Civil Code art. 278) on the
    meeting's compound (or the one given) and follows it; the vote's published result
    comes back through ``votes.signals.vote_published`` (``vote_result_received``)."""
    from redprop.votes.services import open_vote

    res = Resolution.objects.select_related("item__meeting", "issue").get(pk=resolution.pk)
    meeting = res.item.meeting
    _require_organiser(acting_user, meeting)
    if res.status not in UNFINISHED_RESOLUTION_STATES:
        raise ApplicationError(MeetingError.INVALID_TRANSITION, _("决议已办结或已撤销"))
    compound = compound or meeting.compound or res.issue.compound
    if compound is None or compound.community_id != meeting.community_id:
        raise ApplicationError(ErrorCode.VALIDATION, _("请选择本社区的小区"), field="compound")
    with transaction.atomic():
        vote = open_vote(
            acting_user,
            scope=compound,
            item=item,
            title=_text(title, "title", TITLE_MAX, required=True),
            description=res.text,
            closes_at=closes_at,
            origin=f"/meetings/{meeting.pk}/#item-{res.item_id}",
        )
        return followup_attach(
            resolution=res,
            kind=FollowUpKind.VOTE,
            object_id=vote.pk,
            label=vote.title,
            status=vote.state,
        )


def vote_result_received(*, vote: Any, result: Any, **_kwargs: Any) -> int:
    """``votes.signals.vote_published``: mirror the result onto the resolutions that
    launched the vote (通过 / 未通过), closing the follow-up."""
    passed = (
        bool((result or {}).get("passed"))
        if isinstance(result, dict)
        else bool(getattr(vote, "passed", False))
    )
    return followup_mirror(
        kind=FollowUpKind.VOTE,
        object_id=vote.pk,
        status="passed" if passed else "failed",
        closed=True,
    )


def followup_attach(
    *, resolution: Resolution, kind: str, object_id: int, label: str = "", status: str = ""
) -> FollowUp:
    """Link something the resolution spawned (a request, later a vote) to it."""
    if kind not in FollowUpKind.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("跟进事项类型无效"), field="kind")
    row, _created = FollowUp.objects.get_or_create(
        kind=kind,
        object_id=object_id,
        defaults={"resolution": resolution, "label": label[:TITLE_MAX], "status": status[:32]},
    )
    return row


def followup_mirror(*, kind: str, object_id: int, status: str, closed: bool) -> int:
    """Mirror the state of a followed object (the vote's ``vote_published`` signal
    calls this). Returns the rows changed."""
    return FollowUp.objects.filter(kind=kind, object_id=object_id).update(
        status=status[:32], closed=closed, updated_at=clock.now()
    )


def followup_refresh(*, resolution_ids: Iterable[int] | None = None) -> int:
    """Refresh the mirrored state of the service requests resolutions follow."""
    from redprop.requests.choices import CLOSED_STATES
    from redprop.requests.models import ServiceRequest

    rows = FollowUp.objects.filter(kind=FollowUpKind.SERVICE_REQUEST, closed=False)
    if resolution_ids is not None:
        rows = rows.filter(resolution_id__in=list(resolution_ids))
    by_id = {f.object_id: f for f in rows}
    changed = 0
    for pk, status in ServiceRequest.objects.filter(pk__in=list(by_id)).values_list("pk", "status"):
        f = by_id[pk]
        closed = status in CLOSED_STATES
        if f.status != status or f.closed != closed:
            changed += followup_mirror(kind=f.kind, object_id=pk, status=status, closed=closed)
    return changed
