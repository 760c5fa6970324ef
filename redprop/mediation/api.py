"""/api/v1/mediation: cases and petitions — intake, read (logged), every step, counts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from redprop.core.api import json_response
from redprop.core.errors import ApplicationError, NotFound, PermissionDenied
from redprop.core.inputs import Id, Int, Text
from redprop.mediation import permissions, presenters, selectors, services
from redprop.mediation.choices import (
    CaseKind,
    DisputeType,
    MediatorKind,
    PartyKind,
    PartySide,
    ReferTo,
    Source,
)

router = Router(tags=["mediation 调解与信访"])


class PartyIn(Schema):
    side: PartySide = PartySide.APPLICANT
    kind: PartyKind = PartyKind.RESIDENT
    person_id: Id | None = None
    org_id: Id | None = None
    unit_id: Id | None = None


class MediatorIn(Schema):
    kind: MediatorKind = MediatorKind.COMMUNITY_STAFF
    user_id: Id | None = None
    name: Text(32) = ""  # type: ignore[valid-type]


class CaseIn(Schema):
    kind: CaseKind
    dispute_type: DisputeType = DisputeType.OTHER
    source: Source
    title: Text(64) = ""  # type: ignore[valid-type]
    summary: Text(2000) = ""  # type: ignore[valid-type]
    community_id: Id | None = None
    compound_id: Id | None = None
    parties: list[PartyIn] = []
    mediators: list[MediatorIn] = []
    external_ref: Text(64) = ""  # type: ignore[valid-type]
    received_at: dt.datetime | None = None


class FromRequestIn(Schema):
    dispute_type: DisputeType = DisputeType.PROPERTY_SERVICE


class PartyOut(Schema):
    id: int
    side: str
    kind: str
    name: str
    mine: bool
    satisfaction: int | None


class MediatorOut(Schema):
    id: int
    kind: str
    name: str


class SessionOut(Schema):
    id: int
    held_at: dt.datetime
    place: str
    attendance: str
    notes: str


class EventOut(Schema):
    at: dt.datetime
    kind: str
    to_status: str
    note: str


class CaseOut(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    dispute_type: str
    dispute_type_label: str
    source: str
    source_label: str
    status: str
    status_label: str
    view: str
    title: str
    summary: str
    community_id: int | None
    compound_id: int | None
    request_id: int | None
    external_ref: str
    received_at: dt.datetime
    accepted_at: dt.datetime | None
    accept_due_at: dt.datetime | None
    answer_due_at: dt.datetime | None
    extended_days: int
    extension_reason: str
    breached: bool
    escalation_level: int
    agreement_text: str
    follow_up_on: dt.date | None
    agreement_kept: bool | None
    answer_text: str
    referred_to: str
    outcome_note: str
    parties: list[PartyOut]
    mediators: list[MediatorOut]
    sessions: list[SessionOut]
    signatures: int
    events: list[EventOut]
    actions: list[str]


class CaseRow(Schema):
    id: int
    number: str
    kind: str
    status: str
    status_label: str
    title: str
    dispute_type: str
    received_at: dt.datetime
    due_at: dt.datetime | None
    breached: bool


class ReasonIn(Schema):
    reason: Text(1000) = ""  # type: ignore[valid-type]


class NoteIn(Schema):
    note: Text(1000) = ""  # type: ignore[valid-type]


class AssignIn(Schema):
    kind: MediatorKind = MediatorKind.COMMUNITY_STAFF
    user_id: Id | None = None
    name: Text(32) = ""  # type: ignore[valid-type]


class SessionIn(Schema):
    held_at: dt.datetime
    place: Text(128) = ""  # type: ignore[valid-type]
    attendance: Text(500) = ""  # type: ignore[valid-type]
    notes: Text(4000) = ""  # type: ignore[valid-type]


class AgreeIn(Schema):
    text: Text(4000) = ""  # type: ignore[valid-type]
    follow_up_on: dt.date | None = None


class FollowUpIn(Schema):
    kept: bool
    note: Text(1000) = ""  # type: ignore[valid-type]


class AnswerIn(Schema):
    text: Text(4000) = ""  # type: ignore[valid-type]


class ReferIn(Schema):
    to: ReferTo
    note: Text(1000) = ""  # type: ignore[valid-type]


class ExtendIn(Schema):
    days: Int(1, 366)  # type: ignore[valid-type]
    reason: Text(1000) = ""  # type: ignore[valid-type]


class RateIn(Schema):
    score: Int(1, 5)  # type: ignore[valid-type]


class CountOut(Schema):
    node_id: int | None
    name: str
    cases: int
    petitions: int
    open: int
    agreements: int
    concluded: int
    breached: int
    rated: int
    satisfied: int
    satisfaction_rate: float | None
    agreement_rate: float | None


def _aware(value: dt.datetime | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _created(request: HttpRequest, data: dict[str, Any]) -> Any:
    return json_response(request, CaseOut(**data).model_dump(mode="json"), status=201)


def _read(request: HttpRequest, case_id: int) -> dict[str, Any]:
    case, view = services.case_file_open(case_id=case_id, acting_user=request.user, context="api")
    return presenters.case_dict(case, request.user, view)


def _after(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """The case after a step, as the actor now sees it: a read of the file like any
    other (logged)."""
    case, view = services.case_file_open(case_id=case_id, acting_user=request.user, context="api")
    return presenters.case_dict(case, request.user, view)


@router.get("/cases", response=list[CaseRow])
def case_list(
    request: HttpRequest,
    status: Literal[
        "",
        "open",
        "registered",
        "accepted",
        "mediating",
        "agreed",
        "closed",
        "answered",
        "referred",
        "withdrawn",
        "declined",
    ] = "",
    kind: Literal["", "dispute", "petition"] = "",
    mine: bool = False,
    overdue: bool = False,
    offset: Int(0, 100000) = 0,  # type: ignore[valid-type]
    limit: Int(1, 200) = 50,  # type: ignore[valid-type]
) -> Any:
    rows = selectors.case_list(
        user=request.user,
        status=status,
        kind=kind,
        mine=mine,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return [
        {
            "id": c.pk,
            "number": c.number,
            "kind": c.kind,
            "status": c.status,
            "status_label": c.get_status_display(),
            "title": c.title,
            "dispute_type": c.dispute_type,
            "received_at": c.received_at,
            "due_at": c.active_due_at,
            "breached": c.breached,
        }
        for c in rows
    ]


@router.post("/cases", response={201: CaseOut})
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    from redprop.territory.models import Compound, Region

    place: Any = None
    if payload.compound_id:
        place = Compound.objects.filter(pk=payload.compound_id).first()
    elif payload.community_id:
        place = Region.objects.filter(pk=payload.community_id, level="community").first()
    case = services.case_open(
        kind=payload.kind,
        dispute_type=payload.dispute_type,
        source=payload.source,
        title=payload.title,
        summary=payload.summary,
        place=place,
        parties=[p.dict() for p in payload.parties],
        mediators=[m.dict() for m in payload.mediators],
        external_ref=payload.external_ref,
        received_at=_aware(payload.received_at, "received_at"),
        acting_user=request.user,
    )
    return _created(request, _after(request, case.pk))


@router.post("/from-request/{request_id}", response={201: CaseOut})
def case_from_request(request: HttpRequest, request_id: int, payload: FromRequestIn) -> Any:
    from redprop.requests.models import ServiceRequest

    obj = ServiceRequest.objects.filter(pk=request_id).first()
    if obj is None or not permissions.can_open_from_request(request.user, obj):
        # Seen by others or not: a request the user may not escalate is not theirs to know.
        raise NotFound()
    case = services.case_from_request(
        request=obj, dispute_type=payload.dispute_type, acting_user=request.user
    )
    return _created(request, _after(request, case.pk))


@router.get("/cases/{case_id}", response=CaseOut)
def case_read(request: HttpRequest, case_id: int) -> Any:
    return _read(request, case_id)


@router.post("/cases/{case_id}/mediators", response=CaseOut)
def case_assign(request: HttpRequest, case_id: int, payload: AssignIn) -> Any:
    services.case_assign(
        case=case_id,
        kind=payload.kind,
        user=payload.user_id,
        name=payload.name,
        acting_user=request.user,
    )
    return _after(request, case_id)


@router.post("/cases/{case_id}/accept", response=CaseOut)
def case_accept(request: HttpRequest, case_id: int, payload: NoteIn) -> Any:
    services.case_accept(case=case_id, note=payload.note, acting_user=request.user)
    return _after(request, case_id)


@router.post("/cases/{case_id}/decline", response=CaseOut)
def case_decline(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    services.case_decline(case=case_id, reason=payload.reason, acting_user=request.user)
    return _after(request, case_id)


@router.post("/cases/{case_id}/sessions", response=CaseOut)
def case_session(request: HttpRequest, case_id: int, payload: SessionIn) -> Any:
    services.case_session(
        case=case_id,
        held_at=_aware(payload.held_at, "held_at"),  # type: ignore[arg-type]
        place=payload.place,
        attendance=payload.attendance,
        notes=payload.notes,
        acting_user=request.user,
    )
    return _after(request, case_id)


@router.post("/cases/{case_id}/agree", response=CaseOut)
def case_agree(request: HttpRequest, case_id: int, payload: AgreeIn) -> Any:
    services.case_agree(
        case=case_id, text=payload.text, follow_up_on=payload.follow_up_on, acting_user=request.user
    )
    return _after(request, case_id)


@router.post("/cases/{case_id}/signatures", response=CaseOut)
def case_sign(
    request: HttpRequest,
    case_id: int,
    party_id: Form[Id],  # type: ignore[valid-type]
    file: File[UploadedFile],
) -> Any:
    services.case_sign(case=case_id, party_id=party_id, upload=file, acting_user=request.user)
    return _after(request, case_id)


@router.post("/cases/{case_id}/follow-up", response=CaseOut)
def case_follow_up(request: HttpRequest, case_id: int, payload: FollowUpIn) -> Any:
    services.case_follow_up(
        case=case_id, kept=payload.kept, note=payload.note, acting_user=request.user
    )
    return _after(request, case_id)


@router.post("/cases/{case_id}/answer", response=CaseOut)
def case_answer(request: HttpRequest, case_id: int, payload: AnswerIn) -> Any:
    services.case_answer(case=case_id, text=payload.text, acting_user=request.user)
    return _after(request, case_id)


@router.post("/cases/{case_id}/refer", response=CaseOut)
def case_refer(request: HttpRequest, case_id: int, payload: ReferIn) -> Any:
    services.case_refer(case=case_id, to=payload.to, note=payload.note, acting_user=request.user)
    return _after(request, case_id)


@router.post("/cases/{case_id}/withdraw", response=CaseOut)
def case_withdraw(request: HttpRequest, case_id: int, payload: ReasonIn) -> Any:
    services.case_withdraw(case=case_id, reason=payload.reason, acting_user=request.user)
    return _after(request, case_id)


@router.post("/cases/{case_id}/extend", response=CaseOut)
def case_extend(request: HttpRequest, case_id: int, payload: ExtendIn) -> Any:
    services.case_extend(
        case=case_id, days=payload.days, reason=payload.reason, acting_user=request.user
    )
    return _after(request, case_id)


@router.post("/cases/{case_id}/rate", response=CaseOut)
def case_rate(request: HttpRequest, case_id: int, payload: RateIn) -> Any:
    services.case_rate(case=case_id, score=payload.score, acting_user=request.user)
    return _after(request, case_id)


@router.get("/counts", response=list[CountOut])
def case_counts(
    request: HttpRequest,
    node: Id | None = None,  # type: ignore[valid-type]
    year: Int(2000, 2100) | None = None,  # type: ignore[valid-type]
) -> Any:
    """Counts, agreements and satisfaction by community (or street) for a region node."""

    if not permissions.can_see_stats(request.user):
        raise PermissionDenied()
    scope = request.user.scope_set(*permissions.SUPERVISORS)
    region = _stats_node(request.user, node)
    if region is None or not (scope.contains(region) or _covers(scope, region)):
        raise ApplicationError(
            "not_found", _("区域不存在或不在您的管辖范围内"), field="node", status=404
        )
    year = year or timezone.localdate().year
    since = dt.datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())
    until = dt.datetime(year + 1, 1, 1, tzinfo=timezone.get_current_timezone())
    rows = selectors.case_counts(scope=scope, node=region, since=since, until=until)
    return [
        {**r.__dict__, "satisfaction_rate": r.satisfaction_rate, "agreement_rate": r.agreement_rate}
        for r in rows
    ]


def _stats_node(user: Any, node: int | None) -> Any:
    from redprop.territory.models import Region

    if node is not None:
        return Region.objects.filter(pk=node).first()
    for s in user.scope_set(*permissions.SUPERVISORS):
        if s.kind in ("city", "district", "street", "community"):
            return Region.objects.filter(pk=s.node_id).first()
        if s.kind == "all":
            return Region.objects.filter(level="city").order_by("pk").first()
    return None


def _covers(scope: Any, region: Any) -> bool:
    """A region inside one of the scope's regions (a street officer's community)."""
    for s in scope:
        if s.kind == "all":
            return True
        if (
            s.kind in ("city", "district", "street", "community")
            and getattr(region, f"{s.kind}_id", None) == s.node_id
        ):
            return True
        if s.kind == region.level and s.node_id == region.pk:
            return True
    return False
