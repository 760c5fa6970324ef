"""/api/v1/duty: the roster inside the caller's scope, my shifts (我的排班), the office
rotas (轮值坐班), 今日值班 for residents, and the hand-overs (交接班)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int, Text
from redprop.duty import permissions, selectors, services
from redprop.duty.choices import DayRule, RotaMode
from redprop.duty.errors import DutyError
from redprop.duty.selectors import MAX_RANGE_DAYS, RosterEntry
from redprop.orgs.models import Org
from redprop.territory.models import Region

router = Router(tags=["duty 值班排班"])


class EntryOut(Schema):
    shift_id: int
    user_id: int
    name: str
    org: str
    duty: str
    duty_label: str
    place: str
    office: str
    day: dt.date
    start: dt.datetime
    end: dt.datetime


class TodayOut(Schema):
    """今日值班 as a resident sees it: the work name (显示名) and the office's phone."""

    community: str
    office: str
    name: str
    start: dt.datetime
    end: dt.datetime
    phone: str


class RotaOut(Schema):
    id: int
    org: str
    community: str
    office: str
    mode: str
    members: list[int]
    weekdays: int
    day_rule: str
    starts_at: dt.time
    ends_at: dt.time
    effective_from: dt.date
    effective_to: dt.date | None

    @staticmethod
    def resolve_org(obj: Any) -> str:
        return obj.org.name

    @staticmethod
    def resolve_community(obj: Any) -> str:
        return obj.community.name


class RotaIn(Schema):
    org_id: Id
    community_id: Id
    office: Text(services.OFFICE_MAX, required=True)  # type: ignore[valid-type]
    member_ids: list[Id] = Field(min_length=1, max_length=8)
    mode: Annotated[str, Field(max_length=8)] = RotaMode.DAILY
    weekdays: Int(1, 127) = 31  # type: ignore[valid-type]
    day_rule: Annotated[str, Field(max_length=16)] = DayRule.WORKING
    starts_at: dt.time
    ends_at: dt.time
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None


class RotaEndIn(Schema):
    last_day: dt.date


class ItemOut(Schema):
    request_id: int
    number: str
    title: str
    status: str
    mine: bool


class HandOverOut(Schema):
    id: int
    day: dt.date
    status: str
    status_label: str
    from_user: str
    to_user: str
    from_user_id: int
    to_user_id: int
    note: str
    ack_note: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    items: list[ItemOut]
    actions: list[str]


class HandOverIn(Schema):
    note: Text(services.HANDOVER_NOTE_MAX, required=True)  # type: ignore[valid-type]
    shift_id: Id | None = None
    to_user_id: Id | None = None


class AckIn(Schema):
    note: Text(services.ACK_NOTE_MAX) = ""  # type: ignore[valid-type]


def _entry(e: RosterEntry) -> dict[str, Any]:
    s = e.shift
    return {
        "shift_id": s.pk,
        "user_id": s.user_id,
        "name": str(s.user),
        "org": s.org.name,
        "duty": s.duty,
        "duty_label": str(s.get_duty_display()),
        "place": s.place_label,
        "office": _office(s),
        "day": e.day,
        "start": e.start,
        "end": e.end,
    }


def _office(shift: Any) -> str:
    rota = shift.rota if shift.rota_id else None
    return rota.office if rota is not None else ""


def _require(request: HttpRequest, roles: tuple[str, ...]) -> Any:
    user: Any = request.user
    if not user.has_role(*roles):
        raise PermissionDenied()
    return user


def _handover(request: HttpRequest, h: Any) -> dict[str, Any]:
    from redprop.duty.workflow import WORKFLOW

    return {
        "id": h.pk,
        "day": h.day,
        "status": h.status,
        "status_label": str(h.get_status_display()),
        "from_user": str(h.from_user),
        "to_user": str(h.to_user),
        "from_user_id": h.from_user_id,
        "to_user_id": h.to_user_id,
        "note": h.note,
        "ack_note": h.ack_note,
        "created_at": h.created_at,
        "acknowledged_at": h.acknowledged_at,
        "items": list(h.items.all()),
        "actions": sorted(WORKFLOW.available(request.user, h)),
    }


@router.get("/roster", response=list[EntryOut])
def duty_roster(request: HttpRequest, day: dt.date | None = None, org_id: Id | None = None) -> Any:
    """Who is on duty for some part of ``day`` (default today) inside your scope."""
    user = _require(request, permissions.ROSTER_ROLES)
    entries = selectors.roster_day(
        scope=user.scope_set(*permissions.ROSTER_ROLES),
        org_id=org_id,
        day=day or timezone.localdate(),
    )
    return [_entry(e) for e in entries[:1000]]


@router.get("/my-shifts", response=list[EntryOut])
def duty_my_shifts(
    request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None
) -> Any:
    """我的排班: your shift occurrences from ``start`` (default today) to ``end``
    (default two weeks on; at most 62 days)."""
    user = _require(request, permissions.WORKER_ROLES)
    start = start or timezone.localdate()
    end = end or start + dt.timedelta(days=13)
    if end < start or (end - start).days > MAX_RANGE_DAYS:
        raise ApplicationError(
            DutyError.RANGE,
            _("查询区间须在 0 到 %(max)d 天之间") % {"max": MAX_RANGE_DAYS},
            field="end",
        )
    return [_entry(e) for e in selectors.my_shifts(user, start, end)]


@router.get("/today", response=list[TodayOut])
def duty_today(request: HttpRequest) -> Any:
    """今日值班 of the communities of your homes (residents)."""
    user = _require(request, (Role.RESIDENT,))
    out = []
    for community_id, entries in selectors.duty_today_for_resident(user=user):
        community = Region.objects.filter(pk=community_id).first()
        for e in entries:
            out.append(
                {
                    "community": community.name if community else "",
                    "office": _office(e.shift),
                    "name": str(e.shift.user),
                    "start": e.start,
                    "end": e.end,
                    "phone": e.shift.org.service_phone or "",
                }
            )
    return out


@router.get("/rotas", response=list[RotaOut])
def duty_rotas(request: HttpRequest) -> Any:
    user = _require(request, permissions.ROSTER_ROLES)
    return list(selectors.rota_list(scope=user.scope_set(*permissions.ROSTER_ROLES))[:500])


@router.post("/rotas", response={201: RotaOut})
def duty_rota_create(request: HttpRequest, payload: RotaIn) -> Any:
    """制定轮值表: the office's rostering organisation's desk (community staff for the
    residents' committee, the company's desk staff) puts a rota on the roster."""
    user = _require(request, permissions.ROSTER_ROLES)
    # Communities are public knowledge: the service's permission check (403) decides.
    community = Region.objects.filter(pk=payload.community_id, level="community").first()
    if community is None:
        raise NotFound()
    org = Org.objects.filter(pk=payload.org_id).first()
    if org is None:
        raise ApplicationError(DutyError.ROTA_NOT_OFFICE, _("排班单位不存在"), field="org_id")
    by_id = {u.pk: u for u in User.objects.filter(pk__in=payload.member_ids)}
    missing = [i for i in payload.member_ids if i not in by_id]
    if missing:
        raise ApplicationError(DutyError.ROTA_MEMBERS, _("轮值人员不存在"), field="member_ids")
    rota = services.rota_create(
        org=org,
        community=community,
        office=payload.office,
        members=[by_id[i] for i in payload.member_ids],
        mode=payload.mode,
        weekdays=payload.weekdays,
        day_rule=payload.day_rule,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        effective_from=payload.effective_from,
        effective_to=payload.effective_to,
        acting_user=user,
    )
    return Status(201, rota)


@router.post("/rotas/{rota_id}/end", response=RotaOut)
def duty_rota_end(request: HttpRequest, rota_id: Id, payload: RotaEndIn) -> Any:
    user = _require(request, permissions.ROSTER_ROLES)
    rota = (
        selectors.rota_list(scope=user.scope_set(*permissions.ROSTER_ROLES))
        .filter(pk=rota_id)
        .first()
    )
    if rota is None:
        raise NotFound()
    return services.rota_end(rota=rota, last_day=payload.last_day, acting_user=user)


@router.get("/handovers", response=list[HandOverOut])
def duty_handovers(request: HttpRequest) -> Any:
    """Hand-overs you wrote or must acknowledge, and those in your staff scope."""
    user = _require(request, permissions.ROSTER_ROLES)
    rows = selectors.handover_list(user=user, scope=user.scope_set(*permissions.ROSTER_ROLES))
    return [_handover(request, h) for h in rows.prefetch_related("items")[:100]]


@router.post("/handovers", response={201: HandOverOut})
def duty_handover_write(request: HttpRequest, payload: HandOverIn) -> Any:
    """交班: hand over your current (or just-ended) shift with a note."""
    user = _require(request, permissions.WORKER_ROLES)
    h = services.handover_write(
        acting_user=user,
        note=payload.note,
        shift_id=payload.shift_id,
        to_user_id=payload.to_user_id,
    )
    return Status(201, _handover(request, h))


def _visible(request: HttpRequest, handover_id: int) -> Any:
    user = _require(request, permissions.ROSTER_ROLES)
    h = selectors.handover_get(
        user=user, scope=user.scope_set(*permissions.ROSTER_ROLES), pk=handover_id
    )
    if h is None:
        raise NotFound()
    return h


@router.get("/handovers/{handover_id}", response=HandOverOut)
def duty_handover(request: HttpRequest, handover_id: Id) -> Any:
    return _handover(request, _visible(request, handover_id))


@router.post("/handovers/{handover_id}/acknowledge", response=HandOverOut)
def duty_handover_acknowledge(request: HttpRequest, handover_id: Id, payload: AckIn) -> Any:
    """接班: only the incoming worker named on the hand-over, once."""
    _require(request, permissions.ROSTER_ROLES)
    h = services.handover_acknowledge(
        acting_user=request.user,  # type: ignore[arg-type]
        handover_id=handover_id,
        note=payload.note,
    )
    return _handover(request, h)
