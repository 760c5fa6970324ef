"""Every write of 志愿服务: teams, volunteers, activities and their workflow, sign-up
under the activity's lock, QR check-in and check-out, hours credited and decided.

Each service is atomic and takes ``acting_user``; each leaves an ``ActivityEvent`` on the
activity's timeline, and the administrative acts an audit row (AuditEvent 831-838). Bad
input is an ``ApplicationError`` with a field: nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Any, NoReturn, cast

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.inputs import checked_text
from redprop.core.models import AuditEvent
from redprop.volunteers import notify, permissions
from redprop.volunteers.choices import (
    ATTENDANCE_OPEN,
    SIGNUP_OPEN,
    ActivityStatus,
    EventKind,
    HoursStatus,
    SignupStatus,
    TeamKind,
)
from redprop.volunteers.errors import VolunteerError
from redprop.volunteers.models import (
    CAPACITY_MAX,
    Activity,
    ActivityEvent,
    HoursRecord,
    Signup,
    Skill,
    Team,
    Volunteer,
)
from redprop.volunteers.workflow import ACTIVITY, HOURS, NEEDS_REASON

REASON_MAX = 500
TITLE_MAX = 64
PLACE_MAX = 128
DESCRIPTION_MAX = 1000
TEAM_NAME_MAX = 64
# A volunteer may check in this long before the start (docs/adr/0029-volunteers.md:
# tools are handed out and groups formed before a clean-up begins).
EARLY_CHECKIN = dt.timedelta(minutes=30)
# …and check in or out until this long after the end (a visit that runs over).
LATE_GRACE = dt.timedelta(hours=2)
# Hours are counted in quarter hours, rounded down.
QUARTER = Decimal("0.25")
MAX_HOURS = Decimal(24)
# An activity may last at most a day and be announced at most a year ahead.
MAX_DURATION = dt.timedelta(hours=24)
MAX_AHEAD = dt.timedelta(days=366)
# The QR codes: a signed token, valid for this long (the pages redraw them every minute).
QR_SALT = "redprop.volunteers.qr"
QR_MAX_AGE = dt.timedelta(minutes=10)
BULK_MAX = 500


def _err(code: VolunteerError, message: str, field: str | None, status: int = 400) -> NoReturn:
    raise ApplicationError(code, message, field=field, status=status)


def _event(
    activity: Activity,
    kind: str,
    actor: Any,
    *,
    signup: Signup | None = None,
    frm: str = "",
    to: str = "",
    note: str = "",
) -> ActivityEvent:
    return ActivityEvent.objects.create(
        activity=activity,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        signup=signup,
        from_status=frm,
        to_status=to,
        note=note[:REASON_MAX],
        at=clock.now(),
    )


def _community(community_id: int | None) -> Any:
    from redprop.territory.models import Region

    if community_id is None:
        raise NotFound()
    region = Region.objects.filter(pk=community_id, level="community").first()
    if region is None:
        raise NotFound()
    return region


_SKILL_CODE = re.compile(r"[a-z0-9_-]{1,32}")


def _skills(codes: Iterable[str]) -> list[Skill]:
    codes = list(dict.fromkeys(codes))
    if len(codes) > 20:
        _err(VolunteerError.UNKNOWN_SKILL, _("技能最多选择 20 项"), "skills")
    # Only slug-shaped codes reach the query (PostgreSQL refuses a NUL in a text value).
    found = list(Skill.objects.filter(code__in=[c for c in codes if _SKILL_CODE.fullmatch(c)]))
    if len(found) != len(codes):
        missing = sorted(set(codes) - {s.code for s in found})
        _err(
            VolunteerError.UNKNOWN_SKILL,
            _("未知的技能：%(codes)s") % {"codes": "、".join(map(repr, missing))[:100]},
            "skills",
        )
    return found


def _text(value: str, field: str, limit: int, *, required: bool = False) -> str:
    return checked_text(
        value,
        field=field,
        max_length=limit,
        required=required,
        blank_code=VolunteerError.TEXT_INVALID,
    )


# --- teams and volunteers ----------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    community_id: int,
    name: str,
    kind: str,
    description: str = "",
    leader: Any = None,
    acting_user: Any,
) -> Team:
    """A team of one community, created by its community staff."""
    community = _community(community_id)
    if not permissions.organises_community(acting_user, community.pk):
        raise NotFound()
    if kind not in TeamKind.values:
        _err(VolunteerError.BAD_KIND, _("队伍类型无效"), "kind")
    name = _text(name, "name", TEAM_NAME_MAX, required=True)
    description = _text(description, "description", REASON_MAX)
    if Team.objects.filter(community=community, name=name).exists():
        _err(VolunteerError.ALREADY_VOLUNTEER, _("本社区已有同名队伍"), "name", 409)
    team = Team(name=name, kind=kind, description=description, leader=leader)
    team.set_place(community)
    team.save()
    audit(actor=acting_user, event=AuditEvent.VOLUNTEER_TEAM_CREATED, target=team)
    return team


def _register(
    *, person: Any, community: Any, skills: list[Skill], teams: list[Team], acting_user: Any
) -> Volunteer:
    vol = Volunteer.objects.filter(person=person, community=community).first()
    created = vol is None
    if vol is not None and vol.active:
        _err(VolunteerError.ALREADY_VOLUNTEER, _("此人已是本社区的志愿者"), "person", 409)
    if vol is None:
        vol = Volunteer(person=person)
        vol.set_place(community)
        vol.save()
    else:
        vol.active = True
        vol.save(update_fields=["active", "updated_at"])
    vol.skills.set(skills)
    vol.teams.set(teams)
    audit(
        actor=acting_user,
        event=AuditEvent.VOLUNTEER_REGISTERED,
        target=vol,
        created=created,
        skills=[s.code for s in skills],
        teams=[t.pk for t in teams],
    )
    return vol


@transaction.atomic
def volunteer_register(
    *,
    person_id: int,
    community_id: int,
    skills: Iterable[str] = (),
    team_ids: Iterable[int] = (),
    acting_user: Any,
) -> Volunteer:
    """Community staff register a person of their community as a volunteer."""
    from redprop.people.models import Person

    community = _community(community_id)
    if not permissions.organises_community(acting_user, community.pk):
        raise NotFound()
    person = Person.objects.filter(pk=person_id).first()
    if person is None:
        _err(VolunteerError.NOT_A_VOLUNTEER, _("人员不存在"), "person_id", 404)
    ids = list(dict.fromkeys(team_ids))[:20]
    teams = list(Team.objects.filter(pk__in=ids, community=community))
    if len(teams) != len(ids):
        _err(VolunteerError.TEAM_ELSEWHERE, _("队伍不属于本社区"), "team_ids")
    return _register(
        person=person,
        community=community,
        skills=_skills(skills),
        teams=teams,
        acting_user=acting_user,
    )


@transaction.atomic
def volunteer_join(*, skills: Iterable[str] = (), acting_user: Any) -> Volunteer:
    """A resident registers themself as a volunteer of the community they live in; they
    join its residents' service alliance (居民服务联盟) when it has one."""
    from redprop.people.models import Person

    person_id = getattr(acting_user, "person_id", None)
    if not acting_user.has_role(Role.RESIDENT) or person_id is None:
        raise PermissionDenied()
    person = Person.objects.get(pk=person_id)
    if person.community_id is None:
        _err(VolunteerError.NOT_A_COMMUNITY, _("您尚未登记居住社区"), "person", 409)
    community = _community(person.community_id)
    teams = list(Team.objects.filter(community=community, kind=TeamKind.ALLIANCE)[:1])
    return _register(
        person=person,
        community=community,
        skills=_skills(skills),
        teams=teams,
        acting_user=acting_user,
    )


# --- activities ------------------------------------------------------------------------------


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        _err(VolunteerError.BAD_TIMES, _("时间须带时区"), "starts_at")
    if ends_at <= starts_at:
        _err(VolunteerError.BAD_TIMES, _("结束时间须晚于开始时间"), "ends_at")
    if ends_at - starts_at > MAX_DURATION:
        _err(VolunteerError.BAD_TIMES, _("一次活动最长 24 小时"), "ends_at")
    now = clock.now()
    if starts_at > now + MAX_AHEAD:
        _err(VolunteerError.BAD_TIMES, _("最多提前一年发布活动"), "starts_at")
    if ends_at < now:
        _err(VolunteerError.BAD_TIMES, _("活动结束时间已过"), "ends_at")


@transaction.atomic
def activity_create(
    *,
    team_id: int,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    description: str = "",
    skills: Iterable[str] = (),
    acting_user: Any,
) -> Activity:
    """A draft activity of a team, by its organiser (community staff or the team leader)."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None or not (
        permissions.organises_community(acting_user, team.community_id)
        or team.leader_id == getattr(acting_user, "pk", None)
    ):
        raise NotFound()
    title = _text(title, "title", TITLE_MAX, required=True)
    place = _text(place, "place", PLACE_MAX, required=True)
    description = _text(description, "description", DESCRIPTION_MAX)
    _check_times(starts_at, ends_at)
    if not isinstance(capacity, int) or not 1 <= capacity <= CAPACITY_MAX:
        _err(
            VolunteerError.BAD_CAPACITY,
            _("名额应在 1 到 %(n)s 之间") % {"n": CAPACITY_MAX},
            "capacity",
        )
    a = Activity(
        team=team,
        title=title,
        place=place,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        organiser=acting_user,
    )
    a.set_place(team.community)
    a.save()
    a.skills.set(_skills(skills))
    _event(a, EventKind.CREATED, acting_user, to=a.status)
    audit(actor=acting_user, event=AuditEvent.VOLUNTEER_ACTIVITY_CREATED, target=a)
    return a


def _visible(acting_user: Any) -> Any:
    """The activities in the user's reach (scope); the step rechecks the relationship."""
    from redprop.volunteers import selectors

    return selectors.activities_for(user=acting_user, include_drafts=True)


def activity_transition(
    *, activity_id: int, action: str, reason: str = "", acting_user: Any
) -> Activity:
    """publish, start, finish or cancel, by the table in workflow.py."""
    if action not in ACTIVITY.actions:
        raise NotFound()
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        _err(VolunteerError.REASON_REQUIRED, _("请填写原因"), "reason")
    if len(reason) > REASON_MAX:
        _err(VolunteerError.REASON_REQUIRED, _("原因不能超过 500 个字"), "reason")
    fields: set[str] = set()
    with transaction.atomic():
        with ACTIVITY.step(
            action, acting_user, _visible(acting_user), activity_id, update_fields=fields
        ) as a:
            frm = a.status
            before = snapshot(a)
            if action == "publish" and a.ends_at <= clock.now():
                _err(VolunteerError.BAD_TIMES, _("活动结束时间已过，不能发布"), "ends_at", 409)
            if action == "cancel":
                a.cancel_reason = reason
                fields.add("cancel_reason")
            (to,) = ACTIVITY[action].targets
            _event(a, ACTIVITY[action].event, acting_user, frm=frm, to=to, note=reason)
            if action == "publish":
                notify.activity_published(a)
            elif action == "cancel" and frm == ActivityStatus.PUBLISHED:
                notify.activity_cancelled(a, reason)
        a.refresh_from_db()
        audit(
            actor=acting_user,
            event=AuditEvent.VOLUNTEER_ACTIVITY_STATUS_CHANGED,
            target=a,
            before=before,
            after=snapshot(a),
            action=action,
            reason=reason,
        )
    return cast(Activity, a)


# --- sign-up -----------------------------------------------------------------------------


def _lock(activity_id: int) -> Activity:
    a = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("team")
        .filter(pk=activity_id)
        .first()
    )
    if a is None:
        raise NotFound()
    return a


def _locked_for(acting_user: Any, activity_id: int) -> Activity:
    """Lock the activity the user may see (404 otherwise: its existence is not told)."""
    a = _lock(activity_id)
    if not permissions.can_view(acting_user, a):
        raise NotFound()
    return a


def _my_volunteer(acting_user: Any, a: Activity) -> Volunteer:
    vol = permissions.volunteer_of(acting_user, a.community_id)
    if vol is None:
        _err(
            VolunteerError.NOT_A_VOLUNTEER,
            _("您还不是本社区的志愿者，请先登记"),
            "volunteer",
            403,
        )
    return cast(Volunteer, vol)


@transaction.atomic
def signup_create(*, activity_id: int, acting_user: Any) -> Signup:
    """A volunteer takes a place. The activity row is locked (select_for_update) while
    the count is checked and raised: two volunteers racing for the last place cannot
    both get it."""
    a = _locked_for(acting_user, activity_id)
    vol = _my_volunteer(acting_user, a)
    if a.status not in SIGNUP_OPEN or a.ends_at <= clock.now():
        _err(
            VolunteerError.SIGNUP_CLOSED,
            _("活动“%(status)s”，不能报名") % {"status": a.get_status_display()},
            "status",
            409,
        )
    existing = Signup.objects.filter(activity=a, volunteer=vol).first()
    if existing is not None and existing.status == SignupStatus.SIGNED:
        _err(VolunteerError.ALREADY_SIGNED_UP, _("您已报名此活动"), "activity", 409)
    if a.signed_up >= a.capacity:
        _err(
            VolunteerError.FULL,
            _("名额已满（共 %(n)s 人）") % {"n": a.capacity},
            "capacity",
            409,
        )
    Activity.objects.filter(pk=a.pk).update(signed_up=F("signed_up") + 1)
    if existing is None:
        signup = Signup.objects.create(activity=a, volunteer=vol)
    else:
        signup = existing
        signup.status = SignupStatus.SIGNED
        signup.save(update_fields=["status", "updated_at"])
    _event(a, EventKind.SIGNUP, acting_user, signup=signup)
    return signup


@transaction.atomic
def signup_withdraw(*, activity_id: int, acting_user: Any) -> Signup:
    """A volunteer gives their place back (not once checked in)."""
    a = _locked_for(acting_user, activity_id)
    vol = _my_volunteer(acting_user, a)
    signup = Signup.objects.filter(activity=a, volunteer=vol, status=SignupStatus.SIGNED).first()
    if signup is None:
        _err(VolunteerError.NOT_SIGNED_UP, _("您没有报名此活动"), "activity", 409)
    if signup.checked_in_at is not None:
        _err(VolunteerError.ALREADY_CHECKED_IN, _("已签到，不能取消报名"), "activity", 409)
    if a.status not in SIGNUP_OPEN:
        _err(VolunteerError.SIGNUP_CLOSED, _("活动已结束或取消"), "status", 409)
    signup.status = SignupStatus.WITHDRAWN
    signup.save(update_fields=["status", "updated_at"])
    Activity.objects.filter(pk=a.pk).update(signed_up=F("signed_up") - 1)
    _event(a, EventKind.WITHDRAW, acting_user, signup=signup)
    return signup


# --- QR tokens -------------------------------------------------------------------------------


def _max_age() -> dt.timedelta:
    seconds = getattr(settings, "REDPROP_VOLUNTEER_QR_SECONDS", None)
    return dt.timedelta(seconds=int(seconds)) if seconds else QR_MAX_AGE


def activity_token(activity: Activity) -> str:
    """The code the organiser shows: a volunteer scans it to check themself in or out."""
    return signing.TimestampSigner(salt=QR_SALT).sign(f"a.{activity.pk}.{activity.checkin_nonce}")


def signup_token(signup: Signup) -> str:
    """The code on the volunteer's phone: the organiser scans it to check them in or out."""
    nonce = signup.activity.checkin_nonce
    return signing.TimestampSigner(salt=QR_SALT).sign(f"s.{signup.pk}.{nonce}")


def token_read(token: str) -> tuple[Activity, Signup | None]:
    """The activity (and, for a volunteer's code, the sign-up) a token names; 400 when it
    is forged or expired."""
    signer = signing.TimestampSigner(salt=QR_SALT)
    try:
        value = signer.unsign((token or "")[:200], max_age=_max_age())
    except signing.SignatureExpired as exc:
        raise ApplicationError(
            VolunteerError.TOKEN_EXPIRED, _("二维码已过期，请刷新后重新扫描"), field="token"
        ) from exc
    except signing.BadSignature as exc:
        raise ApplicationError(
            VolunteerError.TOKEN_INVALID, _("二维码无效"), field="token"
        ) from exc
    kind, _sep, rest = value.partition(".")
    pk, _sep, nonce = rest.partition(".")
    invalid = ApplicationError(VolunteerError.TOKEN_INVALID, _("二维码无效"), field="token")
    if not pk.isdigit():
        raise invalid
    if kind == "a":
        a = Activity.objects.select_related("team").filter(pk=int(pk)).first()
        if a is None or a.checkin_nonce != nonce:
            raise invalid
        return a, None
    if kind == "s":
        s = (
            Signup.objects.select_related("activity__team", "volunteer__person")
            .filter(pk=int(pk))
            .first()
        )
        if s is None or s.activity.checkin_nonce != nonce:
            raise invalid
        return s.activity, s
    raise invalid


# --- check-in, check-out, hours ------------------------------------------------------------


def hours_between(a: Activity, checked_in_at: dt.datetime, checked_out_at: dt.datetime) -> Decimal:
    """Hours served: from the check-in (not before the start: arriving early is not
    service) to the check-out, in quarter hours rounded down, at most 24."""
    start = max(checked_in_at, a.starts_at)
    seconds = Decimal(max((checked_out_at - start).total_seconds(), 0))
    hours = (seconds / 3600 / QUARTER).to_integral_value(rounding=ROUND_DOWN) * QUARTER
    return min(hours, MAX_HOURS).quantize(Decimal("0.01"))


def _attendance_target(acting_user: Any, a: Activity, signup: Signup | None) -> tuple[Signup, bool]:
    """The sign-up a check-in or check-out acts on, and whether the organiser does it."""
    if signup is not None:  # the organiser scanned the volunteer's code
        if not permissions.is_organiser(acting_user, a):
            if permissions.can_view(acting_user, a):
                raise PermissionDenied(_("只有活动组织者可以扫描志愿者的二维码"))
            raise NotFound()
        signup = Signup.objects.select_for_update().get(pk=signup.pk)
        if signup.status != SignupStatus.SIGNED:
            _err(VolunteerError.NOT_SIGNED_UP, _("该志愿者已取消报名"), "signup", 409)
        return signup, True
    if not permissions.can_view(acting_user, a):
        raise NotFound()
    vol = _my_volunteer(acting_user, a)
    own = (
        Signup.objects.select_for_update()
        .filter(activity=a, volunteer=vol, status=SignupStatus.SIGNED)
        .first()
    )
    if own is None:
        _err(VolunteerError.NOT_SIGNED_UP, _("您没有报名此活动"), "activity", 409)
    return own, False


def _attendance_open(a: Activity, now: dt.datetime, *, checking_in: bool) -> None:
    if a.status not in ATTENDANCE_OPEN:
        _err(
            VolunteerError.ATTENDANCE_CLOSED,
            _("活动“%(status)s”，不能签到或签退") % {"status": a.get_status_display()},
            "status",
            409,
        )
    if checking_in and now < a.starts_at - EARLY_CHECKIN:
        opens = timezone.localtime(a.starts_at - EARLY_CHECKIN)
        _err(
            VolunteerError.NOT_STARTED,
            _("活动尚未开始，%(at)s 起可以签到") % {"at": f"{opens:%m-%d %H:%M}"},
            "starts_at",
            409,
        )
    if now > a.ends_at + LATE_GRACE:
        _err(VolunteerError.ATTENDANCE_CLOSED, _("活动已结束，不能再签到或签退"), "ends_at", 409)


def checkin(*, activity_id: int, signup: Signup | None = None, acting_user: Any) -> Signup:
    """Check in: the volunteer with the activity's code (``signup`` None), or the
    organiser with the volunteer's code. From 30 minutes before the start."""
    with transaction.atomic():
        a = _lock(activity_id)
        target, by_organiser = _attendance_target(acting_user, a, signup)
        now = clock.now()
        _attendance_open(a, now, checking_in=True)
        if target.checked_in_at is not None:
            _err(VolunteerError.ALREADY_CHECKED_IN, _("已签到"), "checked_in_at", 409)
        target.checked_in_at = now
        target.checked_in_by = acting_user
        target.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
        _event(a, EventKind.CHECKIN, acting_user, signup=target)
        if by_organiser:
            audit(
                actor=acting_user,
                event=AuditEvent.VOLUNTEER_ATTENDANCE_BY_ORGANISER,
                target=target,
                action="checkin",
            )
    return target


def checkout(*, activity_id: int, signup: Signup | None = None, acting_user: Any) -> HoursRecord:
    """Check out, and credit the hours served (pending the organiser's approval)."""
    with transaction.atomic():
        a = _lock(activity_id)
        target, by_organiser = _attendance_target(acting_user, a, signup)
        now = clock.now()
        if target.checked_in_at is None:
            _err(VolunteerError.NOT_CHECKED_IN, _("请先签到再签退"), "checked_in_at", 409)
        if target.checked_out_at is not None:
            _err(VolunteerError.ALREADY_CHECKED_OUT, _("已签退"), "checked_out_at", 409)
        _attendance_open(a, now, checking_in=False)
        target.checked_out_at = now
        target.checked_out_by = acting_user
        target.save(update_fields=["checked_out_at", "checked_out_by", "updated_at"])
        _event(a, EventKind.CHECKOUT, acting_user, signup=target)
        record = _credit(a, target, hours_between(a, target.checked_in_at, now), acting_user)
        if by_organiser:
            audit(
                actor=acting_user,
                event=AuditEvent.VOLUNTEER_ATTENDANCE_BY_ORGANISER,
                target=target,
                action="checkout",
            )
    return record


def _credit(a: Activity, signup: Signup, hours: Decimal, acting_user: Any) -> HoursRecord:
    if HoursRecord.objects.filter(signup=signup).exists():
        _err(
            VolunteerError.ALREADY_CREDITED,
            _("这次签到的服务时长已记录，不能重复记录"),
            "signup",
            409,
        )
    record = HoursRecord(
        signup=signup,
        activity=a,
        volunteer_id=signup.volunteer_id,
        person_id=Volunteer.objects.filter(pk=signup.volunteer_id).values_list(
            "person_id", flat=True
        )[0],
        served_on=timezone.localdate(signup.checked_in_at),
        hours=hours,
        credited_by=acting_user,
    )
    record.set_place(_community(a.community_id))
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:  # a racing credit of the same check-in won
        _err(
            VolunteerError.ALREADY_CREDITED,
            _("这次签到的服务时长已记录，不能重复记录"),
            "signup",
            409,
        )
    _event(a, EventKind.CREDIT, acting_user, signup=signup, note=str(hours))
    return record


def _hours_value(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except Exception:
        value = Decimal("NaN")
    if not value.is_finite() or not 0 <= value <= MAX_HOURS or value % QUARTER:
        _err(VolunteerError.HOURS_OUT_OF_RANGE, _("时长应为 0–24 小时，以 0.25 小时计"), "hours")
    return value.quantize(Decimal("0.01"))


def hours_credit(*, signup_id: int, hours: Any = None, acting_user: Any) -> HoursRecord:
    """The organiser credits the hours of a check-in whose volunteer did not check out
    (the check-out is set to the end of the activity, or now if earlier). ``hours``
    overrides the computed figure. Once per check-in: a second credit is a 409."""
    with transaction.atomic():
        s = Signup.objects.filter(pk=signup_id).first()
        if s is None:
            raise NotFound()
        a = _lock(s.activity_id)
        if not permissions.is_organiser(acting_user, a):
            if permissions.can_view(acting_user, a):
                raise PermissionDenied()
            raise NotFound()
        s = Signup.objects.select_for_update().get(pk=signup_id)
        if s.checked_in_at is None:
            _err(
                VolunteerError.NOT_CHECKED_IN,
                _("该志愿者未签到，不能记录时长"),
                "checked_in_at",
                409,
            )
        if HoursRecord.objects.filter(signup=s).exists():
            _err(
                VolunteerError.ALREADY_CREDITED,
                _("这次签到的服务时长已记录，不能重复记录"),
                "signup",
                409,
            )
        if s.checked_out_at is None:
            s.checked_out_at = max(min(clock.now(), a.ends_at), s.checked_in_at)
            s.checked_out_by = acting_user
            s.save(update_fields=["checked_out_at", "checked_out_by", "updated_at"])
        value = (
            hours_between(a, s.checked_in_at, s.checked_out_at)
            if hours in (None, "")
            else _hours_value(hours)
        )
        record = _credit(a, s, value, acting_user)
        audit(
            actor=acting_user,
            event=AuditEvent.VOLUNTEER_HOURS_CREDITED,
            target=record,
            hours=str(value),
        )
    return record


def _hours_visible(acting_user: Any) -> Any:
    from redprop.volunteers import selectors

    return selectors.hours_for(user=acting_user).select_related("activity__team")


def hours_decide(*, record_id: int, action: str, reason: str = "", acting_user: Any) -> HoursRecord:
    """approve or reject one record of hours, by the table in workflow.py."""
    if action not in HOURS.actions:
        raise NotFound()
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        _err(VolunteerError.REASON_REQUIRED, _("请填写原因"), "reason")
    if len(reason) > REASON_MAX:
        _err(VolunteerError.REASON_REQUIRED, _("原因不能超过 500 个字"), "reason")
    fields = {"decided_by", "decided_at", "reason"}
    with transaction.atomic():
        with HOURS.step(
            action, acting_user, _hours_visible(acting_user), record_id, update_fields=fields
        ) as r:
            frm = r.status
            r.decided_by = acting_user
            r.decided_at = clock.now()
            r.reason = reason
            (to,) = HOURS[action].targets
            _event(
                r.activity,
                HOURS[action].event,
                acting_user,
                signup=r.signup,
                frm=frm,
                to=to,
                note=reason or str(r.hours),
            )
            notify.hours_decided(r, action, reason)
        audit(
            actor=acting_user,
            event=AuditEvent.VOLUNTEER_HOURS_APPROVED
            if action == "approve"
            else AuditEvent.VOLUNTEER_HOURS_REJECTED,
            target=r,
            hours=str(r.hours),
            reason=reason,
        )
    return cast(HoursRecord, r)


def hours_approve_bulk(*, record_ids: Iterable[int], acting_user: Any) -> int:
    """Approve many pending records at once (the organiser's "全部认定"): every record
    must be pending and the user's to approve, else nothing is written. One event per
    record, one audit row for the batch. Returns how many were approved."""
    ids = list(dict.fromkeys(int(i) for i in record_ids))
    if not ids:
        return 0
    if len(ids) > BULK_MAX:
        _err(
            VolunteerError.HOURS_OUT_OF_RANGE,
            _("一次最多认定 %(n)s 条") % {"n": BULK_MAX},
            "record_ids",
        )
    now = clock.now()
    with transaction.atomic():
        rows = list(
            _hours_visible(acting_user)
            .select_for_update(of=("self",))
            .filter(pk__in=ids)
            .order_by("pk")
        )
        if len(rows) != len(ids):
            raise NotFound()
        for r in rows:
            HOURS.authorize("approve", acting_user, r)
            HOURS.guard("approve", acting_user, r, to=HoursStatus.APPROVED)
        HoursRecord.objects.filter(pk__in=ids).update(
            status=HoursStatus.APPROVED, decided_by=acting_user, decided_at=now, updated_at=now
        )
        ActivityEvent.objects.bulk_create(
            ActivityEvent(
                activity_id=r.activity_id,
                kind=EventKind.APPROVE,
                actor=acting_user,
                signup_id=r.signup_id,
                at=now,
                from_status=HoursStatus.PENDING,
                to_status=HoursStatus.APPROVED,
                note=str(r.hours),
            )
            for r in rows
        )
        notify.hours_approved_bulk(rows)
        audit(
            actor=acting_user,
            event=AuditEvent.VOLUNTEER_HOURS_APPROVED,
            target=HoursRecord,
            records=ids,
            hours=str(sum((r.hours for r in rows), Decimal(0))),
        )
    return len(rows)


def activity_status_label(status: str) -> str:
    return str(ActivityStatus(status).label)
