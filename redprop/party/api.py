"""/api/v1/party: coverage by street, a company's party building, members (masked; reveal
logged), consent to show membership, branch proposals, posts, cross-appointments, and
the supervision queue with the workflow table's actions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from redprop.core.errors import NotFound, PermissionDenied
from redprop.core.inputs import Id, Text
from redprop.party import permissions, records, selectors, services
from redprop.party.badges import badge_for_user
from redprop.party.services import (
    DETAIL_MAX,
    EVIDENCE_MAX,
    OPINION_MAX,
    POSITION_MAX,
    POST_TITLE_MAX,
    REASON_MAX,
    TITLE_MAX,
)
from redprop.party.workflow import PROPOSALS, SUPERVISION

router = Router(tags=["party 物业党建"])


def _page_role(request: HttpRequest) -> Any:
    user: Any = request.user
    if not user.has_role(*permissions.PAGE_ROLES):
        raise PermissionDenied()
    return user


# --- schemas --------------------------------------------------------------------------------


class ProjectOut(Schema):
    company_id: int
    company: str
    compound_id: int | None
    compound: str
    members: int
    has_branch: bool
    status: str
    pending: bool


class StreetOut(Schema):
    street_id: int | None
    street: str
    projects: int
    covered: int
    branches: int
    eligible: int
    joined: int
    members: int
    rows: list[ProjectOut]


class MemberOut(Schema):
    id: int
    name: str  # masked
    company_id: int
    compound_id: int | None
    party_org: str
    active: bool
    consent_at: dt.datetime | None

    @staticmethod
    def resolve_name(obj: Any) -> str:
        return obj.name_masked

    @staticmethod
    def resolve_party_org(obj: Any) -> str:
        return obj.party_org.name

    @staticmethod
    def resolve_consent_at(obj: Any) -> dt.datetime | None:
        c = getattr(obj, "consent", None)
        return c.granted_at if c else None


class ProposalOut(Schema):
    id: int
    name: str
    company_id: int
    compound_id: int | None
    members: int
    status: str
    automatic: bool
    reason: str
    branch_id: int | None
    actions: list[str] = []


class PostOut(Schema):
    id: int
    kind: str
    title: str
    member_id: int
    member: str
    company_id: int
    compound_id: int | None
    grid_id: int | None
    building_ids: list[int]
    started_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_member(obj: Any) -> str:
        return obj.member.name_masked

    @staticmethod
    def resolve_grid_id(obj: Any) -> int | None:
        return obj.area_grid_id

    @staticmethod
    def resolve_building_ids(obj: Any) -> list[int]:
        return [b.pk for b in obj.buildings.all()]


class AppointmentOut(Schema):
    id: int
    person: str
    home_org: str
    seat_org: str
    position: str
    started_on: dt.date
    ended_on: dt.date | None

    @staticmethod
    def resolve_person(obj: Any) -> str:
        return obj.person.display_name

    @staticmethod
    def resolve_home_org(obj: Any) -> str:
        return obj.home_org.name

    @staticmethod
    def resolve_seat_org(obj: Any) -> str:
        return obj.seat_org.name


class SupervisionOut(Schema):
    id: int
    company_id: int
    company: str
    community_id: int | None
    kind: str
    title: str
    detail: str
    amount: str | None
    status: str
    due_on: dt.date
    overdue: bool
    opinion: str
    opinion_text: str
    opinion_at: dt.datetime | None
    answered_late: bool
    closed_note: str
    actions: list[str] = []

    @staticmethod
    def resolve_company(obj: Any) -> str:
        return obj.company.name

    @staticmethod
    def resolve_amount(obj: Any) -> str | None:
        return None if obj.amount is None else str(obj.amount)


class CompanyOut(Schema):
    id: int
    name: str
    projects: list[ProjectOut]
    members: list[MemberOut]
    proposals: list[ProposalOut]
    posts: list[PostOut]


class RecordLineOut(Schema):
    name: str
    label: str
    value: float | None


class RevealOut(Schema):
    person_id: int
    name: str
    joined_on: str
    party_org: str


class BadgeOut(Schema):
    member: bool
    member_id: int | None
    consent_at: dt.datetime | None
    badge: bool


class MemberIn(Schema):
    company_id: Id
    person_id: Id
    compound_id: Id | None = None
    joined_on: dt.date | None = None


class ReasonIn(Schema):
    reason: Text(200) = ""  # type: ignore[valid-type]


class EvidenceIn(Schema):
    evidence: Text(EVIDENCE_MAX) = ""  # type: ignore[valid-type]


class ProposeIn(Schema):
    company_id: Id
    compound_id: Id | None = None


class ProposalActionIn(Schema):
    reason: Text(REASON_MAX) = ""  # type: ignore[valid-type]


class PostIn(Schema):
    member_id: Id
    kind: Annotated[str, Field(max_length=16)]
    title: Text(POST_TITLE_MAX, required=True)  # type: ignore[valid-type]
    started_on: dt.date | None = None
    grid_id: Id | None = None
    building_ids: list[Id] = Field(default_factory=list, max_length=100)


class AppointmentIn(Schema):
    person_id: Id
    home_org_id: Id
    seat_org_id: Id
    position: Text(POSITION_MAX, required=True)  # type: ignore[valid-type]
    started_on: dt.date | None = None


class EndIn(Schema):
    ended_on: dt.date | None = None


class SupervisionIn(Schema):
    company_id: Id
    community_id: Id
    kind: Annotated[str, Field(max_length=12)]
    title: Text(TITLE_MAX, required=True)  # type: ignore[valid-type]
    detail: Text(DETAIL_MAX, required=True)  # type: ignore[valid-type]
    amount: Annotated[Decimal, Field(ge=0, le=10**9, decimal_places=2)] | None = None
    due_on: dt.date | None = None


class SupervisionActionIn(Schema):
    opinion: Annotated[str, Field(max_length=12)] = ""
    text: Text(OPINION_MAX) = ""  # type: ignore[valid-type]
    reason: Text(REASON_MAX) = ""  # type: ignore[valid-type]
    note: Text(REASON_MAX) = ""  # type: ignore[valid-type]


# --- coverage and companies -------------------------------------------------------------


@router.get("/coverage", response=list[StreetOut])
def party_coverage(request: HttpRequest) -> Any:
    user = _page_role(request)
    return selectors.coverage_by_street(user=user)


@router.get("/companies/{company_id}", response=CompanyOut)
def party_company(request: HttpRequest, company_id: int) -> Any:
    user = _page_role(request)
    company = selectors.company_get(user=user, company_id=company_id)
    projects = [r for r in selectors.coverage(user=user) if r.company_id == company.pk]
    return {
        "id": company.pk,
        "name": company.name,
        "projects": projects,
        "members": selectors.members_of(user=user, company=company),
        "proposals": [
            _proposal(user, p) for p in selectors.proposals_for(user=user, company=company)[:200]
        ],
        "posts": list(selectors.posts_for(user=user, company=company)[:500]),
    }


# --- members ------------------------------------------------------------------------------


@router.post("/members", response={201: MemberOut})
def party_member_register(request: HttpRequest, body: MemberIn) -> Any:
    user = _page_role(request)
    m = services.member_register(
        acting_user=user,
        company_id=body.company_id,
        person_id=body.person_id,
        compound_id=body.compound_id,
        joined_on=body.joined_on,
    )
    return Status(201, selectors.member_get(user=user, member_id=m.pk))


@router.get("/members/{member_id}", response=MemberOut)
def party_member(request: HttpRequest, member_id: int) -> Any:
    user = _page_role(request)
    return selectors.member_get(user=user, member_id=member_id)


@router.post("/members/{member_id}/reveal", response=RevealOut)
def party_member_reveal(request: HttpRequest, member_id: int, body: ReasonIn) -> Any:
    user = _page_role(request)
    return services.member_reveal(acting_user=user, member_id=member_id, reason=body.reason)


@router.post("/members/{member_id}/leave", response=MemberOut)
def party_member_leave(request: HttpRequest, member_id: int, body: EndIn) -> Any:
    user = _page_role(request)
    services.member_leave(acting_user=user, member_id=member_id, left_on=body.ended_on)
    return selectors.member_get(user=user, member_id=member_id)


@router.get("/members/{member_id}/record", response=list[RecordLineOut])
def party_member_record(
    request: HttpRequest,
    member_id: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Any:
    user = _page_role(request)
    m = selectors.member_get(user=user, member_id=member_id)
    pid = m._identity().get("person_id")  # none after an erasure
    lines = records.service_record(person_id=pid, since=since, until=until) if pid else []
    return [
        {"name": ln.name, "label": ln.label, "value": None if ln.value is None else float(ln.value)}
        for ln in lines
    ]


@router.post("/members/{member_id}/consent", response=BadgeOut)
def party_consent_grant(request: HttpRequest, member_id: int, body: EvidenceIn) -> Any:
    services.consent_grant(acting_user=request.user, member_id=member_id, evidence=body.evidence)
    return _badge_of_member(member_id)


@router.post("/members/{member_id}/consent/withdraw", response=BadgeOut)
def party_consent_withdraw(request: HttpRequest, member_id: int, body: EvidenceIn) -> Any:
    services.consent_withdraw(acting_user=request.user, member_id=member_id, evidence=body.evidence)
    return _badge_of_member(member_id)


def _badge_of_member(member_id: int) -> dict[str, Any]:
    from redprop.party.models import ShowConsent

    c = ShowConsent.objects.filter(member_id=member_id, withdrawn_at__isnull=True).first()
    return {
        "member": True,
        "member_id": member_id,
        "consent_at": c.granted_at if c else None,
        "badge": c is not None,
    }


@router.get("/me", response=BadgeOut)
def party_me(request: HttpRequest) -> Any:
    """The signed-in worker's own membership record and badge (nothing for others)."""
    user: Any = request.user
    m = services.member_of_person(getattr(user, "person_id", None))
    if m is None:
        return {"member": False, "member_id": None, "consent_at": None, "badge": False}
    out = _badge_of_member(m.pk)
    out["badge"] = badge_for_user(user) is not None
    return out


# --- proposals ----------------------------------------------------------------------------


def _proposal(user: Any, p: Any) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "company_id": p.company_id,
        "compound_id": p.compound_id,
        "members": p.members,
        "status": p.status,
        "automatic": p.automatic,
        "reason": p.reason,
        "branch_id": p.branch_id,
        "actions": sorted(PROPOSALS.available(user, p)),
    }


@router.get("/proposals", response=list[ProposalOut])
def party_proposals(request: HttpRequest) -> Any:
    user = _page_role(request)
    return [_proposal(user, p) for p in selectors.proposals_for(user=user)[:500]]


@router.post("/proposals", response={201: ProposalOut})
def party_propose(request: HttpRequest, body: ProposeIn) -> Any:
    user = _page_role(request)
    p = services.branch_propose(
        acting_user=user, company_id=body.company_id, compound_id=body.compound_id
    )
    return Status(201, _proposal(user, p))


@router.post("/proposals/{proposal_id}/{action}", response=ProposalOut)
def party_proposal_action(
    request: HttpRequest,
    proposal_id: int,
    action: Literal["approve", "reject"],
    body: ProposalActionIn,
) -> Any:
    user = _page_role(request)
    if action == "approve":
        p = services.proposal_approve(acting_user=user, proposal_id=proposal_id)
    else:
        p = services.proposal_reject(acting_user=user, proposal_id=proposal_id, reason=body.reason)
    return _proposal(user, p)


# --- posts --------------------------------------------------------------------------------


@router.get("/posts", response=list[PostOut])
def party_posts(request: HttpRequest) -> Any:
    user = _page_role(request)
    return list(selectors.posts_for(user=user)[:500])


@router.post("/posts", response={201: PostOut})
def party_post_create(request: HttpRequest, body: PostIn) -> Any:
    user = _page_role(request)
    post = services.post_create(
        acting_user=user,
        member_id=body.member_id,
        kind=body.kind,
        title=body.title,
        started_on=body.started_on,
        grid_id=body.grid_id,
        building_ids=body.building_ids,
    )
    return Status(201, selectors.post_get(user=user, post_id=post.pk))


@router.post("/posts/{post_id}/end", response=PostOut)
def party_post_end(request: HttpRequest, post_id: int) -> Any:
    user = _page_role(request)
    services.post_end(acting_user=user, post_id=post_id)
    return selectors.post_get(user=user, post_id=post_id)


# --- cross-appointments -------------------------------------------------------------------


@router.get("/appointments", response=list[AppointmentOut])
def party_appointments(request: HttpRequest) -> Any:
    user = _page_role(request)
    return list(selectors.appointments_for(user=user)[:500])


@router.post("/appointments", response={201: AppointmentOut})
def party_appointment_create(request: HttpRequest, body: AppointmentIn) -> Any:
    user = _page_role(request)
    a = services.appointment_create(
        acting_user=user,
        person_id=body.person_id,
        home_org_id=body.home_org_id,
        seat_org_id=body.seat_org_id,
        position=body.position,
        started_on=body.started_on,
    )
    return Status(201, a)


@router.post("/appointments/{appointment_id}/end", response=AppointmentOut)
def party_appointment_end(request: HttpRequest, appointment_id: int, body: EndIn) -> Any:
    user = _page_role(request)
    return services.appointment_end(
        acting_user=user, appointment_id=appointment_id, ended_on=body.ended_on
    )


# --- supervision --------------------------------------------------------------------------


def _supervision(user: Any, s: Any) -> Any:
    s.actions = sorted(SUPERVISION.available(user, s))
    return s


@router.get("/supervision", response=list[SupervisionOut])
def party_supervisions(
    request: HttpRequest, status: Annotated[str, Field(max_length=12)] = ""
) -> Any:
    user = _page_role(request)
    return [
        _supervision(user, s) for s in selectors.supervisions_for(user=user, status=status)[:500]
    ]


@router.post("/supervision", response={201: SupervisionOut})
def party_supervision_submit(request: HttpRequest, body: SupervisionIn) -> Any:
    user = _page_role(request)
    s = services.supervision_submit(
        acting_user=user,
        company_id=body.company_id,
        community_id=body.community_id,
        kind=body.kind,
        title=body.title,
        detail=body.detail,
        amount=body.amount,
        due_on=body.due_on,
    )
    return Status(
        201, _supervision(user, selectors.supervision_get(user=user, supervision_id=s.pk))
    )


@router.get("/supervision/{supervision_id}", response=SupervisionOut)
def party_supervision(request: HttpRequest, supervision_id: int) -> Any:
    user = _page_role(request)
    return _supervision(user, selectors.supervision_get(user=user, supervision_id=supervision_id))


@router.post("/supervision/{supervision_id}/{action}", response=SupervisionOut)
def party_supervision_action(
    request: HttpRequest,
    supervision_id: int,
    action: Literal["opine", "withdraw", "close"],
    body: SupervisionActionIn,
) -> Any:
    user = _page_role(request)
    if action == "opine":
        services.supervision_opine(
            acting_user=user, supervision_id=supervision_id, opinion=body.opinion, text=body.text
        )
    elif action == "withdraw":
        services.supervision_withdraw(
            acting_user=user, supervision_id=supervision_id, reason=body.reason
        )
    elif action == "close":
        services.supervision_close(acting_user=user, supervision_id=supervision_id, note=body.note)
    else:  # pragma: no cover - Literal refuses it
        raise NotFound()
    return _supervision(user, selectors.supervision_get(user=user, supervision_id=supervision_id))
