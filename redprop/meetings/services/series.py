"""Series and their occurrences (逢四说事 and the like), one-off meetings, invitations
and cancelling a meeting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, ErrorCode, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.meetings import permissions, recurrence
from redprop.meetings.choices import (
    OPEN_MEETING_STATES,
    IssueStatus,
    MeetingKind,
    MeetingStatus,
    OverrideAction,
    Party,
)
from redprop.meetings.errors import MeetingError
from redprop.meetings.models import (
    PLACE_MAX,
    TITLE_MAX,
    Issue,
    Meeting,
    MeetingSeries,
    OccurrenceOverride,
    Participant,
)
from redprop.meetings.services.base import (
    ORG_PARTY,
    _aware,
    _community_of,
    _lock_meeting,
    _require_organiser,
    _text,
)
from redprop.meetings.workflow import MEETING

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

    persons: list[int | None] = [r.person_id for r in rows if r.person_id]
    users: list[int | None] = [r.user_id for r in rows if r.user_id]
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
