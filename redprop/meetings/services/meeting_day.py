"""The meeting workflow (convene, start, finish, publish the minutes, carry-over)
and the day itself: check-in by QR code and attendance.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, ErrorCode, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.meetings import permissions, recurrence
from redprop.meetings.choices import (
    OPEN_MEETING_STATES,
    UNFINISHED_RESOLUTION_STATES,
    Attendance,
    CheckinMethod,
    IssueStatus,
    ItemStatus,
    MeetingStatus,
    Party,
)
from redprop.meetings.errors import MeetingError
from redprop.meetings.models import (
    MINUTES_MAX,
    AgendaItem,
    Issue,
    Meeting,
    MeetingSeries,
    Participant,
    Resolution,
)
from redprop.meetings.services.agenda import _agenda_append, agenda_order
from redprop.meetings.services.base import (
    CHECKIN_MAX_AGE,
    CHECKIN_SALT,
    _lock_meeting,
    _require_organiser,
    _text,
)
from redprop.meetings.services.series import _materialize, _send_invitations, next_meeting
from redprop.meetings.workflow import MEETING

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
            made = _materialize(cast(MeetingSeries, series), occ)
            if made.status in OPEN_MEETING_STATES:
                return made
        return None
    try:
        return next_meeting(
            community=Region.objects.get(pk=cast(int, meeting.community_id)), after=after
        )
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
