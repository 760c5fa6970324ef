"""/api/v1/volunteers: activities, sign-up, QR check-in and check-out (the scanned token
in the body), the hours and their approval, a volunteer's own record, counts by community."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.inputs import Id, Text
from redprop.volunteers import permissions, selectors, services
from redprop.volunteers.choices import HoursStatus
from redprop.volunteers.errors import VolunteerError
from redprop.volunteers.models import CAPACITY_MAX
from redprop.volunteers.workflow import ACTIVITY, HOURS

router = Router(tags=["volunteers 志愿服务"])

Token = Annotated[str, Field(min_length=1, max_length=200)]
SkillCode = Annotated[str, Field(min_length=1, max_length=32)]


class ActivityOut(Schema):
    id: int
    title: str
    team: str
    team_kind: str
    community: str | None
    place: str
    description: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    signed_up: int
    status: str
    status_label: str

    @staticmethod
    def resolve_team(obj: Any) -> str:
        return obj.team.name

    @staticmethod
    def resolve_team_kind(obj: Any) -> str:
        return obj.team.kind

    @staticmethod
    def resolve_community(obj: Any) -> str | None:
        return obj.community.name if obj.community_id else None

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class SignupOut(Schema):
    id: int
    activity_id: int
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


class DetailOut(Schema):
    activity: ActivityOut
    actions: list[str]
    my_signup: SignupOut | None
    is_organiser: bool


class ActivityIn(Schema):
    team_id: Id
    title: Text(services.TITLE_MAX, required=True)  # type: ignore[valid-type]
    place: Text(services.PLACE_MAX, required=True)  # type: ignore[valid-type]
    description: Text(services.DESCRIPTION_MAX) = ""  # type: ignore[valid-type]
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(ge=1, le=CAPACITY_MAX)
    skills: list[SkillCode] = Field(default_factory=list, max_length=20)


class ReasonIn(Schema):
    reason: Text(services.REASON_MAX) = ""  # type: ignore[valid-type]


class TokenIn(Schema):
    token: Token


class TokenOut(Schema):
    token: str
    kind: str
    expires_in: int


class AttendanceOut(Schema):
    signup: SignupOut
    hours: str | None = None
    hours_status: str | None = None


class CreditIn(Schema):
    hours: Annotated[str, Field(max_length=6)] | None = None


class HoursOut(Schema):
    id: int
    activity_id: int
    activity: str
    volunteer_id: int
    served_on: dt.date
    hours: str
    status: str
    reason: str

    @staticmethod
    def resolve_activity(obj: Any) -> str:
        return obj.activity.title

    @staticmethod
    def resolve_hours(obj: Any) -> str:
        return str(obj.hours)


class BulkIn(Schema):
    record_ids: list[Id] = Field(min_length=1, max_length=services.BULK_MAX)


class BulkOut(Schema):
    approved: int


class JoinIn(Schema):
    skills: list[SkillCode] = Field(default_factory=list, max_length=20)


class RecordOut(Schema):
    person: str
    communities: list[str]
    approved_hours: str
    pending_hours: str
    times: int
    hours: list[HoursOut]


class CountOut(Schema):
    community_id: int
    community: str
    volunteers: int
    by_team: dict[str, int]
    activities: int
    person_times: int
    approved_hours: str


class TeamOut(Schema):
    id: int
    name: str
    kind: str
    community: str | None

    @staticmethod
    def resolve_community(obj: Any) -> str | None:
        return obj.community.name if obj.community_id else None


def _page_role(request: HttpRequest) -> Any:
    user: Any = request.user
    if not user.has_role(*permissions.PAGE_ROLES):
        raise PermissionDenied()
    return user


def _detail(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    user = _page_role(request)
    a = selectors.activity_get(user=user, activity_id=activity_id)
    return {
        "activity": a,
        "actions": sorted(ACTIVITY.available(user, a)),
        "my_signup": selectors.my_signup(user=user, activity=a),
        "is_organiser": permissions.is_organiser(user, a),
    }


@router.get("/activities", response=list[ActivityOut])
def volunteer_activities(request: HttpRequest) -> Any:
    user = _page_role(request)
    return list(selectors.activities_for(user=user)[:500])


@router.post("/activities", response={201: ActivityOut})
def volunteer_activity_create(request: HttpRequest, body: ActivityIn) -> Any:
    user = _page_role(request)
    a = services.activity_create(acting_user=user, **body.dict())
    return Status(201, selectors.activities_for(user=user).get(pk=a.pk))


@router.get("/activities/{activity_id}", response=DetailOut)
def volunteer_activity(request: HttpRequest, activity_id: Id) -> Any:
    return _detail(request, activity_id)


@router.post("/activities/{activity_id}/signup", response=DetailOut)
def volunteer_signup(request: HttpRequest, activity_id: Id) -> Any:
    user = _page_role(request)
    services.signup_create(activity_id=activity_id, acting_user=user)
    return _detail(request, activity_id)


@router.post("/activities/{activity_id}/withdraw", response=DetailOut)
def volunteer_withdraw(request: HttpRequest, activity_id: Id) -> Any:
    user = _page_role(request)
    services.signup_withdraw(activity_id=activity_id, acting_user=user)
    return _detail(request, activity_id)


@router.get("/activities/{activity_id}/token", response=TokenOut)
def volunteer_token(request: HttpRequest, activity_id: Id) -> Any:
    """The organiser gets the activity's code (volunteers scan it); a signed-up volunteer
    gets their own code (the organiser scans it)."""
    user = _page_role(request)
    a = selectors.activity_get(user=user, activity_id=activity_id)
    ttl = int(services._max_age().total_seconds())
    if permissions.is_organiser(user, a):
        return {"token": services.activity_token(a), "kind": "activity", "expires_in": ttl}
    mine = selectors.my_signup(user=user, activity=a)
    if mine is None:
        raise PermissionDenied()
    return {"token": services.signup_token(mine), "kind": "signup", "expires_in": ttl}


@router.post("/activities/{activity_id}/{action}", response=DetailOut)
def volunteer_activity_action(
    request: HttpRequest,
    activity_id: Id,
    action: Annotated[str, Field(max_length=16)],
    body: ReasonIn,
) -> Any:
    user = _page_role(request)
    if action not in ACTIVITY.actions:
        raise NotFound()
    services.activity_transition(
        activity_id=activity_id, action=action, reason=body.reason, acting_user=user
    )
    return _detail(request, activity_id)


def _attendance(request: HttpRequest, token: str, direction: str) -> dict[str, Any]:
    user = _page_role(request)
    activity, signup = services.token_read(token)
    if direction == "checkin":
        s = services.checkin(activity_id=activity.pk, signup=signup, acting_user=user)
        return {"signup": s}
    record = services.checkout(activity_id=activity.pk, signup=signup, acting_user=user)
    return {"signup": record.signup, "hours": str(record.hours), "hours_status": record.status}


@router.post("/checkin", response=AttendanceOut)
def volunteer_checkin(request: HttpRequest, body: TokenIn) -> Any:
    return _attendance(request, body.token, "checkin")


@router.post("/checkout", response=AttendanceOut)
def volunteer_checkout(request: HttpRequest, body: TokenIn) -> Any:
    return _attendance(request, body.token, "checkout")


@router.post("/signups/{signup_id}/credit", response=HoursOut)
def volunteer_credit(request: HttpRequest, signup_id: Id, body: CreditIn) -> Any:
    user = _page_role(request)
    return services.hours_credit(signup_id=signup_id, hours=body.hours, acting_user=user)


@router.get("/hours", response=list[HoursOut])
def volunteer_hours(request: HttpRequest, status: Annotated[str, Field(max_length=10)] = "") -> Any:
    user = _page_role(request)
    qs = selectors.hours_for(user=user).select_related("activity")
    if status and status not in HoursStatus.values:
        raise ApplicationError(
            VolunteerError.BAD_STATUS,
            _("状态应为 %(values)s 之一") % {"values": "、".join(HoursStatus.values)},
            field="status",
        )
    if status:
        qs = qs.filter(status=status)
    return list(qs.order_by("-served_on", "-id")[:500])


@router.post("/hours/approve-all", response=BulkOut)
def volunteer_hours_bulk(request: HttpRequest, body: BulkIn) -> Any:
    user = _page_role(request)
    return {"approved": services.hours_approve_bulk(record_ids=body.record_ids, acting_user=user)}


@router.post("/hours/{record_id}/{action}", response=HoursOut)
def volunteer_hours_action(
    request: HttpRequest,
    record_id: Id,
    action: Annotated[str, Field(max_length=16)],
    body: ReasonIn,
) -> Any:
    user = _page_role(request)
    if action not in HOURS.actions:
        raise NotFound()
    return services.hours_decide(
        record_id=record_id, action=action, reason=body.reason, acting_user=user
    )


@router.get("/me", response=RecordOut)
def volunteer_me(request: HttpRequest) -> Any:
    user = _page_role(request)
    rec = selectors.my_record(user=user)
    if rec is None:
        raise NotFound()
    return {
        "person": rec.person.display_name,
        "communities": [v.community.name for v in rec.volunteers if v.community_id],
        "approved_hours": str(rec.approved),
        "pending_hours": str(rec.pending),
        "times": rec.times,
        "hours": rec.hours,
    }


@router.post("/me/join", response={201: RecordOut})
def volunteer_join(request: HttpRequest, body: JoinIn) -> Any:
    user = _page_role(request)
    services.volunteer_join(skills=body.skills, acting_user=user)
    return Status(201, volunteer_me(request))


@router.get("/counts", response=list[CountOut])
def volunteer_counts(request: HttpRequest) -> Any:
    user = _page_role(request)
    if not user.has_role(*permissions.STAFF_ROLES):
        raise PermissionDenied()
    return [
        {**c.__dict__, "approved_hours": str(c.approved_hours)}
        for c in selectors.counts_by_community(user=user)
    ]


@router.get("/teams", response=list[TeamOut])
def volunteer_teams(request: HttpRequest) -> Any:
    user = _page_role(request)
    return list(selectors.teams_for(user=user)[:500])
