"""Every write of the meetings app (议事协商). Keyword-only, atomic: on an error
nothing is written. Administrative acts leave an audit row (AuditEvent 731–739);
notifications go through the outbox in the same transaction.

See docs/subsystems/meetings.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import text_problem
from redprop.core.models import AuditEvent
from redprop.meetings import permissions, recurrence
from redprop.meetings.choices import (
    OPEN_ISSUE_STATES,
    OPEN_MEETING_STATES,
    UNFINISHED_RESOLUTION_STATES,
    Attendance,
    CheckinMethod,
    FeedKind,
    FollowUpKind,
    IssueSource,
    IssueStatus,
    ItemStatus,
    MeetingKind,
    MeetingStatus,
    OverrideAction,
    Party,
    ResolutionStatus,
)
from redprop.meetings.errors import MeetingError
from redprop.meetings.models import (
    MINUTES_MAX,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    AgendaItem,
    CalendarFeed,
    FollowUp,
    Issue,
    Meeting,
    MeetingSeries,
    OccurrenceOverride,
    Participant,
    Resolution,
    ResolutionUpdate,
)
from redprop.meetings.workflow import MEETING, RESOLUTION

CHECKIN_SALT = "redprop.meetings.checkin"
# How long a check-in link shown on screen stays good (the page shows a fresh one).
CHECKIN_MAX_AGE = dt.timedelta(minutes=10)
# Deadlines of a resolution: not before the meeting, at most two years on.
DEADLINE_MAX = dt.timedelta(days=730)

ORG_PARTY = {
    "residents_committee": Party.COMMUNITY,
    "street_office": Party.COMMUNITY,
    "property_company": Party.PROPERTY_COMPANY,
    "owners_committee": Party.OWNERS_COMMITTEE,
    "cobuilding_unit": Party.COBUILDING_UNIT,
}


# --- small checks -----------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    value = value or ""
    problem = text_problem(value, required=required)
    if problem == "invalid_characters":
        raise ApplicationError(
            ErrorCode.VALIDATION, _("含有不允许的字符（如 NUL、控制字符）"), field=field
        )
    if problem == "blank" or (required and not value.strip()):
        raise ApplicationError(ErrorCode.VALIDATION, _("不能为空"), field=field)
    value = value.strip()
    if len(value) > limit:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("不能超过 %(max)s 个字符") % {"max": limit}, field=field
        )
    return value


def _aware(moment: dt.datetime, field: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise ApplicationError(ErrorCode.VALIDATION, _("时间须带时区"), field=field)
    return moment


def _require_organiser(user: Any, meeting: Meeting) -> None:
    if not permissions.is_organiser(user, meeting):
        raise PermissionDenied(_("只有会议召集人或社区、街道工作人员可以操作"))


def _community_of(place: Any) -> Any:
    """The community Region of a community or a compound."""
    if getattr(place, "level", None) == "community":
        return place
    from redprop.territory.models import Region

    return Region.objects.get(pk=place.community_id)


def _lock_meeting(meeting: Meeting | int) -> Meeting:
    pk = meeting.pk if isinstance(meeting, Meeting) else meeting
    locked = Meeting.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    return locked


# --- series and occurrences -----------------------------------------------------------


@transaction.atomic
def series_create(
    *,
    community: Any,
    name: str,
    convener: Any,
    acting_user: Any,
    compound: Any = None,
    kind: str = MeetingKind.CONSULTATION,
    rule: str = "",
    starts_on: dt.date | None = None,
    start_time: dt.time = dt.time(9, 30),
    duration_minutes: int = 90,
    place: str = "",
    invited_orgs: Iterable[Any] = (),
    invited_people: Iterable[Any] = (),
) -> MeetingSeries:
    """A community's (or one compound's) recurring meeting; 逢四说事 by default."""
    from redprop.meetings.choices import DEFAULT_PLACE, DEFAULT_RULE

    if acting_user is not None and not permissions.community_in_reach(acting_user, community):
        raise PermissionDenied()
    if acting_user is not None and not acting_user.has_role(*permissions.DESKS):
        raise PermissionDenied()
    if compound is not None and compound.community_id != community.pk:
        raise ApplicationError(ErrorCode.VALIDATION, _("小区不属于该社区"), field="compound")
    if kind not in MeetingKind.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("会议类型无效"), field="kind")
    if not 15 <= int(duration_minutes) <= 600:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("会议时长应在 15 到 600 分钟之间"), field="duration_minutes"
        )
    starts_on = starts_on or clock.now().astimezone(recurrence.zone()).date()
    rule = (rule or DEFAULT_RULE).strip().upper()
    recurrence.parse_rule(rule, starts_on)
    series = MeetingSeries(
        name=_text(name, "name", TITLE_MAX, required=True),
        kind=kind,
        rule=rule,
        starts_on=starts_on,
        start_time=start_time,
        duration_minutes=duration_minutes,
        place=_text(place, "place", PLACE_MAX) or DEFAULT_PLACE,
        compound=compound,
        convener=convener,
    )
    series.set_place(compound or community)
    series.save()
    series.invited_orgs.set(list(invited_orgs))
    series.invited_people.set(list(invited_people))
    audit(actor=acting_user, event=AuditEvent.MEETING_SERIES_CHANGED, target=series)
    return series


@transaction.atomic
def series_set_rule(*, series: MeetingSeries, rule: str, acting_user: Any) -> MeetingSeries:
    """A community sets its own rule (e.g. ``FREQ=MONTHLY;BYDAY=2TU``). Meetings already
    made stay; occurrences not made yet follow the new rule."""
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if not permissions._covers(acting_user, series, permissions.DESKS):
        raise PermissionDenied()
    rule = (rule or "").strip().upper()
    recurrence.parse_rule(rule, series.starts_on)
    before = snapshot(series)
    series.rule = rule
    series.save(update_fields=["rule", "updated_at"])
    audit(actor=acting_user, event=AuditEvent.MEETING_SERIES_CHANGED, target=series, before=before)
    return series


def _check_rule_date(series: MeetingSeries, rule_date: dt.date) -> None:
    if not recurrence._is_rule_date(series, rule_date) or (
        series.ends_on and rule_date > series.ends_on
    ):
        raise ApplicationError(
            MeetingError.NO_OCCURRENCE, _("该日期不是本例会的会期"), field="rule_date"
        )


@transaction.atomic
def occurrence_move(
    *,
    series: MeetingSeries,
    rule_date: dt.date,
    new_start: dt.datetime,
    reason: str,
    acting_user: Any,
) -> OccurrenceOverride:
    """Move one occurrence (the 4th is a holiday: hold it on the 6th). A meeting
    already made for it moves too, while it has not started."""
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if not permissions._covers(acting_user, series, permissions.DESKS):
        raise PermissionDenied()
    _check_rule_date(series, rule_date)
    new_start = _aware(new_start, "new_start")
    reason = _text(reason, "reason", 200)
    meeting = (
        Meeting.objects.select_for_update().filter(series=series, occurrence_date=rule_date).first()
    )
    if meeting is not None and meeting.status not in OPEN_MEETING_STATES:
        raise ApplicationError(
            MeetingError.INVALID_TRANSITION, _("会议已召开或已取消，不能改期"), field="rule_date"
        )
    override, _created = OccurrenceOverride.objects.update_or_create(
        series=series,
        original_date=rule_date,
        defaults={"action": OverrideAction.MOVED, "new_start": new_start, "reason": reason},
    )
    if meeting is not None:
        meeting.starts_at = new_start
        meeting.ends_at = new_start + dt.timedelta(minutes=series.duration_minutes)
        meeting.save(update_fields=["starts_at", "ends_at", "updated_at"])
    audit(
        actor=acting_user,
        event=AuditEvent.MEETING_OCCURRENCE_CHANGED,
        target=override,
        series=series.pk,
    )
    return override


@transaction.atomic
def occurrence_cancel(
    *, series: MeetingSeries, rule_date: dt.date, reason: str, acting_user: Any
) -> OccurrenceOverride:
    """Cancel one occurrence; a meeting made for it is cancelled and its issues go back
    to the collected pool for the next one."""
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    if not permissions._covers(acting_user, series, permissions.DESKS):
        raise PermissionDenied()
    _check_rule_date(series, rule_date)
    reason = _text(reason, "reason", 200)
    meeting = Meeting.objects.filter(series=series, occurrence_date=rule_date).first()
    if meeting is not None:
        meeting_cancel(meeting=meeting, reason=reason, acting_user=acting_user)
    override, _created = OccurrenceOverride.objects.update_or_create(
        series=series,
        original_date=rule_date,
        defaults={"action": OverrideAction.CANCELLED, "new_start": None, "reason": reason},
    )
    audit(
        actor=acting_user,
        event=AuditEvent.MEETING_OCCURRENCE_CHANGED,
        target=override,
        series=series.pk,
    )
    return override


def _materialize(series: MeetingSeries, occ: recurrence.Occurrence) -> Meeting:
    """The meeting of one occurrence, made on first need (idempotent)."""
    existing = Meeting.objects.filter(series=series, occurrence_date=occ.rule_date).first()
    if existing is not None:
        return existing
    meeting = Meeting(
        series=series,
        occurrence_date=occ.rule_date,
        kind=series.kind,
        title=_("%(name)s（%(date)s）")
        % {"name": series.name, "date": occ.starts_at.strftime("%Y-%m-%d")},
        starts_at=occ.starts_at,
        ends_at=occ.ends_at,
        place=series.place,
        compound=series.compound,
        convener_id=series.convener_id,
        status=MeetingStatus.CANCELLED if occ.cancelled else MeetingStatus.PLANNED,
        created_at=clock.now(),
    )
    meeting.title = meeting.title[:TITLE_MAX]
    for col in ("city_id", "district_id", "street_id", "community_id", "grid_id"):
        setattr(meeting, col, getattr(series, col))
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError:  # made by a concurrent caller
        return Meeting.objects.get(series=series, occurrence_date=occ.rule_date)
    _invite_defaults(meeting, series)
    return meeting


def _invite_defaults(meeting: Meeting, series: MeetingSeries) -> None:
    rows = [
        Participant(meeting=meeting, org=org, party=ORG_PARTY.get(org.kind, Party.OTHER))
        for org in series.invited_orgs.all()
    ]
    rows += [
        Participant(meeting=meeting, person=p, party=Party.RESIDENT)
        for p in series.invited_people.all()
    ]
    Participant.objects.bulk_create(rows)


@transaction.atomic
def meeting_for_occurrence(*, series: MeetingSeries, rule_date: dt.date) -> Meeting:
    """The meeting of the occurrence ``rule_date`` of ``series`` (made if needed)."""
    _check_rule_date(series, rule_date)
    occ = recurrence.expand(series, rule_date, rule_date, flag_holidays=False)
    if not occ:  # moved out of its own day: look it up by the override
        over = series.overrides.filter(original_date=rule_date).first()
        start = (
            over.new_start.astimezone(recurrence.zone()).date()
            if over and over.new_start
            else rule_date
        )
        occ = [o for o in recurrence.expand(series, start, start) if o.rule_date == rule_date]
    return _materialize(series, occ[0])


@transaction.atomic
def next_meeting(*, community: Any, after: dt.datetime | None = None) -> Meeting:
    """The community's next 逢四说事 still open for its agenda: a planned or convened
    meeting from ``after`` on (made from its series if needed). 400
    ``meeting_no_next_meeting`` when the community has no consultation series."""
    after = after or clock.now()
    open_one = (
        Meeting.objects.filter(
            community_id=community.pk,
            kind=MeetingKind.CONSULTATION,
            status__in=OPEN_MEETING_STATES,
            starts_at__gte=after,
        )
        .order_by("starts_at", "pk")
        .first()
    )
    candidates: list[tuple[dt.datetime, Any]] = []
    if open_one is not None:
        candidates.append((open_one.starts_at, open_one))
    day = after.astimezone(recurrence.zone()).date()
    for series in MeetingSeries.objects.filter(
        community_id=community.pk, kind=MeetingKind.CONSULTATION, is_active=True
    ).prefetch_related("overrides"):
        for occ in recurrence.expand(
            series, day, day + dt.timedelta(days=400), flag_holidays=False
        ):
            if occ.cancelled or occ.starts_at < after:
                continue
            made = Meeting.objects.filter(series=series, occurrence_date=occ.rule_date).first()
            if made is not None and made.status not in OPEN_MEETING_STATES:
                continue
            candidates.append((occ.starts_at, (series, occ)))
            break
    if not candidates:
        raise ApplicationError(
            MeetingError.NO_NEXT_MEETING, _("本社区尚未设置逢四说事例会"), field="meeting"
        )
    candidates.sort(key=lambda c: c[0])
    found = candidates[0][1]
    if isinstance(found, Meeting):
        return found
    return _materialize(*found)


@transaction.atomic
def meeting_create(
    *,
    place: Any,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    acting_user: Any,
    duration_minutes: int = 90,
    venue: str = "",
    convener: Any = None,
) -> Meeting:
    """A one-off meeting (联席会议, 听证会, 协调会) of a community or a compound."""
    from redprop.meetings.choices import DEFAULT_PLACE

    community = _community_of(place)
    if not (
        acting_user.has_role(*permissions.DESKS)
        and permissions.community_in_reach(acting_user, community)
    ):
        raise PermissionDenied()
    if kind not in MeetingKind.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("会议类型无效"), field="kind")
    if not 15 <= int(duration_minutes) <= 600:
        raise ApplicationError(
            ErrorCode.VALIDATION, _("会议时长应在 15 到 600 分钟之间"), field="duration_minutes"
        )
    starts_at = _aware(starts_at, "starts_at")
    meeting = Meeting(
        kind=kind,
        title=_text(title, "title", TITLE_MAX, required=True),
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=int(duration_minutes)),
        place=_text(venue, "place", PLACE_MAX) or DEFAULT_PLACE,
        compound=place if getattr(place, "level", None) is None else None,
        convener=convener or acting_user,
    )
    meeting.set_place(place)
    meeting.save()
    return meeting


@transaction.atomic
def participant_invite(
    *,
    meeting: Meeting,
    acting_user: Any,
    org: Any = None,
    person: Any = None,
    party: str = "",
) -> Participant:
    """Invite an organisation or a person (the invitation goes out when the agenda
    is published, or at once when it already was)."""
    meeting = _lock_meeting(meeting)
    _require_organiser(acting_user, meeting)
    if (org is None) == (person is None):
        raise ApplicationError(ErrorCode.VALIDATION, _("请选择一个单位或一个人"), field="org")
    if meeting.status not in OPEN_MEETING_STATES | {MeetingStatus.IN_PROGRESS}:
        raise ApplicationError(MeetingError.INVALID_TRANSITION, _("会议已结束，不能再邀请"))
    party = party or (ORG_PARTY.get(org.kind, Party.OTHER) if org is not None else Party.RESIDENT)
    if party not in Party.values:
        raise ApplicationError(ErrorCode.VALIDATION, _("参会方无效"), field="party")
    found = Participant.objects.filter(
        meeting=meeting, **({"org": org, "person": None} if org is not None else {"person": person})
    ).first()
    if found is not None:
        return found
    row = Participant.objects.create(meeting=meeting, org=org, person=person, party=party)
    if meeting.status != MeetingStatus.PLANNED:
        _send_invitations(meeting, [row])
    return row


def _send_invitations(meeting: Meeting, rows: Sequence[Participant]) -> None:
    """One outbox row per invited organisation, one for the invited people."""
    from redprop.notifications.audience import audience
    from redprop.notifications.services import outbox_fanout

    local = meeting.starts_at.astimezone(recurrence.zone())
    subject = gettext_noop("会议通知：%(title)s")
    body = gettext_noop("%(when)s 在%(place)s召开%(title)s，请准时参加。")
    values = {
        "title": meeting.title,
        "when": local.strftime("%Y-%m-%d %H:%M"),
        "place": meeting.place,
    }
    from redprop.notifications.texts import Text

    persons = [r.person_id for r in rows if r.person_id]
    users = [r.user_id for r in rows if r.user_id]
    groups: list[dict[str, Any]] = []
    if persons or users:
        groups.append(audience(persons=persons, users=users))
    for r in rows:
        if r.org_id and not r.person_id:
            groups.append(
                audience(org_roles=(r.org_id, (Role.COMPANY_STAFF, Role.UNIT_STAFF)), org_id=None)
            )
    for group in groups:
        if not group:
            continue
        outbox_fanout(
            kind="meeting.invited",
            subject=Text(subject, values),
            body=Text(body, values),
            audience=group,
            link=meeting.get_absolute_url(),
            payload={"meeting": meeting.pk},
            target=meeting,
        )


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
    issue = Issue.objects.select_for_update().filter(pk=issue.pk).first()
    if issue is None or issue.community_id != meeting.community_id:
        raise ApplicationError(ErrorCode.VALIDATION, _("议题不存在或不属于本社区"), field="issue")
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


# --- the meeting workflow ---------------------------------------------------------------


def meeting_convene(*, meeting: Meeting, acting_user: Any) -> Meeting:
    """Publish the agenda and send the invitations through the outbox."""
    with MEETING.step("convene", acting_user, Meeting.objects.all(), meeting.pk) as m:
        agenda_order(meeting=m)
        _send_invitations(m, list(m.participants.all()))
        audit(
            actor=acting_user,
            event=AuditEvent.MEETING_CONVENED,
            target=m,
            items=m.items.count(),
        )
    return m


def meeting_start(*, meeting: Meeting, acting_user: Any) -> Meeting:
    """Open the meeting: check-in by QR code starts."""
    with MEETING.step("start", acting_user, Meeting.objects.all(), meeting.pk) as m:
        m.checkin_nonce = str(int(m.checkin_nonce or "0") + 1)
    m.save(update_fields=["checkin_nonce"])
    return m


def meeting_finish(*, meeting: Meeting, acting_user: Any) -> Meeting:
    """Close the meeting: check-in ends; invitees who did not sign are absent."""
    with MEETING.step("finish", acting_user, Meeting.objects.all(), meeting.pk) as m:
        m.participants.filter(attendance=Attendance.INVITED).update(
            attendance=Attendance.ABSENT, updated_at=clock.now()
        )
        m.checkin_nonce = str(int(m.checkin_nonce or "0") + 1)
    m.save(update_fields=["checkin_nonce"])
    return m


def meeting_cancel(*, meeting: Meeting, reason: str, acting_user: Any) -> Meeting:
    """Cancel a meeting before it starts; its issues go back to the collected pool."""
    reason = _text(reason, "reason", 200, required=True)
    with MEETING.step("cancel", acting_user, Meeting.objects.all(), meeting.pk) as m:
        issue_ids = list(m.items.values_list("issue_id", flat=True))
        Issue.objects.filter(pk__in=issue_ids, status=IssueStatus.ON_AGENDA).update(
            status=IssueStatus.COLLECTED, meeting=None, updated_at=clock.now()
        )
        audit(actor=acting_user, event=AuditEvent.MEETING_CANCELLED, target=m, reason=reason)
    return m


def meeting_publish_minutes(*, meeting: Meeting, acting_user: Any, summary: str = "") -> Meeting:
    """Publish the minutes (纪要). Every item must have been discussed or deferred.
    Items whose matter is not done (undecided, or decided but not done and due by the
    next meeting) carry over to the next occurrence's agenda, with their carried count
    raised by one (``carry_over``)."""
    summary = _text(summary, "summary", MINUTES_MAX)
    with MEETING.step(
        "publish_minutes",
        acting_user,
        Meeting.objects.all(),
        meeting.pk,
        update_fields=["summary", "minutes_published_at"],
    ) as m:
        if m.items.filter(status=ItemStatus.PENDING).exists():
            raise ApplicationError(ErrorCode.VALIDATION, _("还有议题未记录讨论情况"), field="items")
        m.summary = summary or m.summary
        m.minutes_published_at = clock.now()
        carried = carry_over(meeting=m)
        audit(
            actor=acting_user,
            event=AuditEvent.MEETING_MINUTES_PUBLISHED,
            target=m,
            carried=len(carried),
        )
    return m


def _next_of_series(meeting: Meeting) -> Meeting | None:
    """The next occurrence of the meeting's series, or the community's next 逢四说事."""
    from redprop.territory.models import Region

    after = max(meeting.starts_at, clock.now()) + dt.timedelta(seconds=1)
    if meeting.series_id is not None:
        series = meeting.series
        day = meeting.starts_at.astimezone(recurrence.zone()).date()
        for occ in recurrence.expand(
            series, day, day + dt.timedelta(days=400), flag_holidays=False
        ):
            if occ.cancelled or occ.starts_at <= meeting.starts_at:
                continue
            made = _materialize(series, occ)
            if made.status in OPEN_MEETING_STATES:
                return made
        return None
    try:
        return next_meeting(community=Region.objects.get(pk=meeting.community_id), after=after)
    except ApplicationError:
        return None


def carry_over(*, meeting: Meeting) -> list[AgendaItem]:
    """结转, when the minutes are published: the next occurrence's agenda gets, with
    ``carried_count`` one higher than the issue's last agenda item,

    * each item of this meeting left without a decision (deferred), and
    * each resolution of the community still adopted or in progress whose deadline
      falls by the next meeting (it must report there), wherever it was adopted.

    A resolution being carried out within its deadline stays off the agendas until it
    is due, so agendas do not fill with work in progress. Called inside the minutes'
    transaction."""
    items = list(meeting.items.select_related("issue"))
    decided = set(
        Resolution.objects.filter(issue_id__in=[i.issue_id for i in items]).values_list(
            "issue_id", flat=True
        )
    )
    closed = (IssueStatus.MERGED, IssueStatus.DROPPED, IssueStatus.DONE)
    undecided = [i for i in items if i.issue_id not in decided and i.issue.status not in closed]
    unfinished = Resolution.objects.filter(
        status__in=UNFINISHED_RESOLUTION_STATES, issue__community_id=meeting.community_id
    ).exclude(issue__status__in=closed)
    if meeting.compound_id:
        unfinished = unfinished.filter(issue__compound_id=meeting.compound_id)
    if not undecided and not unfinished.exists():
        return []
    nxt = _next_of_series(meeting)
    if nxt is None:
        return []
    due_by = nxt.starts_at.astimezone(recurrence.zone()).date()
    todo: dict[int, Issue] = {i.issue_id: i.issue for i in undecided}
    for res in (
        unfinished.filter(deadline__lte=due_by).select_related("issue").order_by("deadline", "pk")
    ):
        todo.setdefault(res.issue_id, res.issue)
    on_next = set(AgendaItem.objects.filter(meeting=nxt).values_list("issue_id", flat=True))
    out = []
    for issue_id, issue in todo.items():
        if issue_id in on_next:
            continue
        last = (
            AgendaItem.objects.filter(issue_id=issue_id)
            .exclude(meeting=nxt)
            .order_by("-meeting__starts_at", "-pk")
            .first()
        )
        keep = issue.status
        new = _agenda_append(
            nxt,
            issue,
            carried_count=(last.carried_count + 1) if last else 1,
            carried_from=last,
        )
        if keep == IssueStatus.RESOLVED:  # decided, still being done: stays resolved
            Issue.objects.filter(pk=issue_id).update(status=keep)
        out.append(new)
    agenda_order(meeting=nxt)
    return out


# --- check-in -----------------------------------------------------------------------------


def checkin_token(meeting: Meeting) -> str:
    """A signed, expiring token for the QR code shown on the meeting's screen."""
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign(f"{meeting.pk}.{meeting.checkin_nonce}")


def _checkin_max_age() -> dt.timedelta:
    seconds = getattr(settings, "REDPROP_MEETING_CHECKIN_SECONDS", None)
    return dt.timedelta(seconds=int(seconds)) if seconds else CHECKIN_MAX_AGE


def checkin_meeting(token: str) -> Meeting:
    """The meeting a check-in token names; 400 when forged, expired or superseded."""
    signer = signing.TimestampSigner(salt=CHECKIN_SALT)
    token = (token or "")[:200]
    try:
        value = signer.unsign(token, max_age=_checkin_max_age())
    except signing.SignatureExpired as exc:
        raise ApplicationError(
            MeetingError.CHECKIN_EXPIRED,
            _("签到二维码已过期，请扫描屏幕上的新二维码"),
            field="token",
        ) from exc
    except signing.BadSignature as exc:
        raise ApplicationError(
            MeetingError.CHECKIN_INVALID, _("签到二维码无效"), field="token"
        ) from exc
    pk, _sep, nonce = value.partition(".")
    meeting = Meeting.objects.filter(pk=int(pk)).first() if pk.isdigit() else None
    if meeting is None or meeting.checkin_nonce != nonce:
        raise ApplicationError(MeetingError.CHECKIN_INVALID, _("签到二维码无效"), field="token")
    return meeting


@transaction.atomic
def checkin_scan(*, token: str, acting_user: Any) -> Participant:
    """A logged-in resident scans the QR code: they are present (invited or not; an
    uninvited resident of the community joins as a resident representative)."""
    meeting = checkin_meeting(token)
    meeting = _lock_meeting(meeting)
    if meeting.status != MeetingStatus.IN_PROGRESS:
        raise ApplicationError(MeetingError.CHECKIN_CLOSED, _("会议未在进行中，不能签到"))
    if not acting_user.person_id or not permissions.can_view(acting_user, meeting):
        raise PermissionDenied(_("只有本社区居民可以扫码签到"))
    now = clock.now()
    row = Participant.objects.filter(meeting=meeting, person_id=acting_user.person_id).first()
    if row is None:
        row = Participant(
            meeting=meeting, person_id=acting_user.person_id, party=Party.RESIDENT, invited=False
        )
    if row.attendance != Attendance.PRESENT:
        row.attendance, row.checked_in_at = Attendance.PRESENT, now
        row.checkin_method, row.user = CheckinMethod.QR, acting_user
        row.save()
    return row


@transaction.atomic
def attendance_mark(*, participant: Participant, present: bool, acting_user: Any) -> Participant:
    """Staff mark an invited party present (or absent) at the door."""
    meeting = _lock_meeting(participant.meeting_id)
    _require_organiser(acting_user, meeting)
    if meeting.status not in (MeetingStatus.IN_PROGRESS, MeetingStatus.HELD):
        raise ApplicationError(MeetingError.CHECKIN_CLOSED, _("会议未在进行中，不能登记出席"))
    row = Participant.objects.select_for_update().get(pk=participant.pk, meeting=meeting)
    before = snapshot(row)
    if present:
        row.attendance, row.checked_in_at = Attendance.PRESENT, row.checked_in_at or clock.now()
        row.checkin_method, row.checked_in_by = CheckinMethod.STAFF, acting_user
    else:
        row.attendance, row.checked_in_at, row.checkin_method = Attendance.ABSENT, None, ""
    row.save()
    audit(
        actor=acting_user,
        event=AuditEvent.MEETING_ATTENDANCE_MARKED,
        target=row,
        before=before,
        meeting=meeting.pk,
    )
    return row


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
        issue_status = {
            ResolutionStatus.DONE: IssueStatus.DONE,
            ResolutionStatus.IN_PROGRESS: IssueStatus.RESOLVED,
            ResolutionStatus.CANCELLED: IssueStatus.DROPPED,
        }[to]
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
