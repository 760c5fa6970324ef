"""Writes of party building: members (encrypted), consent to show membership, branch
proposals, posts, cross-appointments, supervision. Each is atomic, writes a
``PartyEvent`` and an audit row; bad input is an ApplicationError and writes nothing
(docs/subsystems/party.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from django.db import IntegrityError, transaction
from django.db.models import Count, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core import crypto
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.core.inputs import text_problem
from redprop.core.models import AuditEvent
from redprop.orgs.choices import OrgKind, PartyOrgKind
from redprop.orgs.models import CrossAppointment, Org, OrgMembership, PartyOrg
from redprop.party import notify, permissions
from redprop.party.choices import (
    BRANCH_MIN_MEMBERS,
    EventKind,
    Opinion,
    PostKind,
    ProposalStatus,
    SupervisionKind,
)
from redprop.party.errors import PartyError
from redprop.party.models import (
    BranchProposal,
    Member,
    PartyEvent,
    Post,
    ShowConsent,
    Supervision,
    person_bidx,
)
from redprop.party.workflow import PROPOSALS, SUPERVISION
from redprop.people.choices import SensitiveField
from redprop.people.models import Person
from redprop.people.policies import REVEAL_ROLES
from redprop.people.services import pii_access_log_append
from redprop.territory.models import Building, Compound, Grid, Region

REASON_MAX = 500
OPINION_MAX = 1000
TITLE_MAX = 96
DETAIL_MAX = 2000
POST_TITLE_MAX = 64
POSITION_MAX = 32
EVIDENCE_MAX = 64
AMOUNT_MAX = Decimal(10**9)
# The committee's opinion is due this many days after submission unless the company asks
# for another date within the window (policy default; docs/subsystems/party.md).
DEFAULT_OPINION_DAYS = 7
OPINION_DAYS_MIN = 1
OPINION_DAYS_MAX = 60
BUILDINGS_MAX = 100


M = TypeVar("M", bound=Model)


# --- helpers -----------------------------------------------------------------------------


def _event(kind: str, actor: Any, **kw: Any) -> PartyEvent:
    note = kw.pop("note", "") or ""
    return PartyEvent.objects.create(kind=kind, actor=actor, note=note[:1000], **kw)


def _text(value: Any, *, field: str, max_len: int, required: bool, code: str) -> str:
    value = "" if value is None else str(value)
    problem = text_problem(value, required=required)
    value = value.strip()
    if problem or len(value) > max_len or (required and not value):
        raise ApplicationError(
            code,
            _("请填写%(field)s（不超过 %(n)s 个字，不含控制字符）")
            % {"field": _field_label(field), "n": max_len},
            field=field,
        )
    return str(value)


def _field_label(field: str) -> str:
    return {
        "reason": _("理由"),
        "title": _("事项"),
        "detail": _("说明"),
        "opinion_text": _("意见内容"),
        "note": _("说明"),
        "position": _("职务"),
        "evidence": _("书面同意书编号"),
        "name": _("名称"),
    }.get(field, field)


def _company(company_id: Any) -> Org:
    company = Org.objects.filter(
        pk=company_id, kind=OrgKind.PROPERTY_COMPANY, is_active=True
    ).first()
    if company is None:
        raise NotFound()
    return company


def company_communities(company: Org) -> list[int]:
    """Communities where the company serves compounds, the most served first."""
    rows = (
        Compound.objects.filter(company=company, community__isnull=False)
        .values("community_id")
        .annotate(n=Count("id"))
        .order_by("-n", "community_id")
    )
    return [r["community_id"] for r in rows]


def _place_of(company: Org, compound: Compound | None) -> Any:
    if compound is not None:
        return compound
    communities = company_communities(company)
    if communities:
        return Region.objects.get(pk=communities[0])
    return company


def _committee(community_id: int | None) -> PartyOrg:
    committee = (
        PartyOrg.objects.filter(kind=PartyOrgKind.COMMITTEE, community_id=community_id)
        .order_by("id")
        .first()
        if community_id
        else None
    )
    if committee is None:
        raise ApplicationError(
            PartyError.NO_COMMITTEE, _("该项目所在社区尚未建立社区党委"), field="compound_id"
        )
    return committee


def _committee_place(committee: PartyOrg) -> Any:
    return Region.objects.get(pk=cast(int, committee.community_id))


def _may_record(user: Any, company: Org, place: Any) -> bool:
    """Company staff of the company; the community desk (or sysadmin) over the place."""
    probe = type("Probe", (), {})()
    probe.company_id = company.pk
    probe.community_id = getattr(place, "community_id", None) or (
        place.pk if isinstance(place, Region) and place.level == "community" else None
    )
    return permissions.is_company(user, probe) or permissions.is_committee(user, probe)


def _refuse(user: Any, company: Org) -> ApplicationError:
    """403 for someone who sees the company but may not record for it; 404 for anyone
    else (exactly as for a company that does not exist)."""
    from redprop.party.selectors import companies_for

    if companies_for(user=user).filter(pk=company.pk).exists():
        return PermissionDenied()
    return NotFound()


def _project(company: Org, compound_id: Any) -> Compound | None:
    if compound_id in (None, "", 0):
        return None
    compound = Compound.objects.filter(pk=compound_id).first()
    if compound is None or compound.company_id != company.pk:
        raise ApplicationError(
            PartyError.NOT_A_PROJECT, _("该小区不是本企业的服务项目"), field="compound_id"
        )
    return compound


def _project_members(company_id: int, compound_id: int | None) -> QuerySet[Member]:
    # compound_id None: the company's office staff (IS NULL).
    return Member.objects.filter(
        company_id=company_id,
        compound_id=compound_id,  # type: ignore[misc]
        left_on__isnull=True,
    )


def _project_branch(company_id: int, compound_id: int | None) -> PartyOrg | None:
    p = (
        BranchProposal.objects.filter(
            company_id=company_id,
            compound_id=compound_id,  # type: ignore[misc]
            status=ProposalStatus.APPROVED,
        )
        .select_related("branch")
        .order_by("-decided_at")
        .first()
    )
    return p.branch if p else None


def visible(user: Any, qs: QuerySet[M]) -> QuerySet[M]:
    """``qs`` inside the user's scope for the party roles (nothing for other roles)."""
    return cast(QuerySet[M], user.scope_set(*permissions.PAGE_ROLES).filter(qs))


# --- members -----------------------------------------------------------------------------


@transaction.atomic
def member_register(
    *,
    acting_user: Any,
    company_id: int,
    person_id: int,
    compound_id: int | None = None,
    joined_on: dt.date | None = None,
) -> Member:
    """Record a party member working for a company (in a project, or its office). The
    identity is stored encrypted; the member joins the project's branch if it has one,
    else the community's party committee. When the project reaches 3 members and has
    no branch, the platform proposes one."""
    company = _company(company_id)
    compound = _project(company, compound_id)
    place = _place_of(company, compound)
    if not _may_record(acting_user, company, place):
        raise _refuse(acting_user, company)
    person = Person.objects.filter(pk=person_id).first()
    if (
        person is None
        or not OrgMembership.objects.filter(
            org=company, person=person, ended_on__isnull=True
        ).exists()
    ):
        raise ApplicationError(
            PartyError.NOT_A_PROJECT, _("该人员不是本企业的在职人员"), field="person_id"
        )
    if Member.objects.filter(person_bidx=person_bidx(person.pk)).exists():
        raise Conflict(PartyError.ALREADY_MEMBER, _("该党员已登记"))
    branch = _project_branch(company.pk, compound.pk if compound else None)
    community_id = getattr(place, "community_id", None)
    if isinstance(place, Region):
        community_id = place.pk
    party_org = branch or _committee(community_id)
    member = Member(company=company, compound=compound, party_org=party_org)
    member.set_identity(
        person_id=person.pk,
        name=person.name,
        joined_on=(joined_on or timezone.localdate()).isoformat(),
    )
    member.registered_by = acting_user if getattr(acting_user, "pk", None) else None
    member.set_place(place)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError as exc:
        raise Conflict(PartyError.ALREADY_MEMBER, _("该党员已登记")) from exc
    _event(EventKind.MEMBER_REGISTERED, acting_user, member=member)
    audit(actor=acting_user, event=AuditEvent.PARTY_MEMBER_REGISTERED, target=member)
    if branch is None:
        _auto_propose(company, compound, committee=party_org, acting_user=acting_user)
    return member


def _auto_propose(
    company: Org, compound: Compound | None, *, committee: PartyOrg, acting_user: Any
) -> BranchProposal | None:
    n = _project_members(company.pk, compound.pk if compound else None).count()
    if n < BRANCH_MIN_MEMBERS:
        return None
    if BranchProposal.objects.filter(
        company=company, compound=compound, status=ProposalStatus.PROPOSED
    ).exists():
        return None
    return _proposal_create(company, compound, committee, n, acting_user, automatic=True)


def _proposal_create(
    company: Org,
    compound: Compound | None,
    committee: PartyOrg,
    n: int,
    acting_user: Any,
    *,
    automatic: bool,
) -> BranchProposal:
    name = f"{company.name}{compound.name if compound else ''}党支部"[:96]
    p = BranchProposal(
        company=company,
        compound=compound,
        committee=committee,
        name=name,
        members=n,
        proposed_by=acting_user if getattr(acting_user, "pk", None) else None,
        automatic=automatic,
    )
    p.set_place(compound or _committee_place(committee))
    try:
        with transaction.atomic():
            p.save()
    except IntegrityError as exc:
        raise Conflict(PartyError.PROPOSAL_PENDING, _("该项目已有待审批的组建提议")) from exc
    _event(EventKind.BRANCH_PROPOSED, acting_user, proposal=p, to_status=p.status)
    notify.branch_proposed(p)
    return p


@transaction.atomic
def member_leave(*, acting_user: Any, member_id: int, left_on: dt.date | None = None) -> Member:
    """The member leaves the company (组织关系转出): kept, marked, consent ended."""
    member = visible(acting_user, Member.objects.select_for_update()).filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    if not _may_record(acting_user, member.company, member):
        raise PermissionDenied()
    if member.left_on is not None:
        raise Conflict(PartyError.INVALID_TRANSITION, _("该党员已转出"))
    member.left_on = left_on or timezone.localdate()
    member.save(update_fields=["left_on", "updated_at"])
    ShowConsent.objects.filter(member=member, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=acting_user
    )
    _event(EventKind.MEMBER_LEFT, acting_user, member=member)
    audit(actor=acting_user, event=AuditEvent.PARTY_MEMBER_REGISTERED, target=member, left=True)
    return member


def can_reveal(user: Any, member: Member) -> bool:
    allowed = REVEAL_ROLES.get(SensitiveField.PARTY_MEMBERSHIP, frozenset())
    roles = [r for r in user.role_names() if r in allowed]
    return bool(roles) and user.scope_set(*roles).contains(member)


@transaction.atomic
def member_reveal(*, acting_user: Any, member_id: int, reason: str) -> dict[str, Any]:
    """The member's identity in clear, for a role the PIPL policy lists (people.policies:
    the community desk, the administrator) over the member's place. The read is logged
    on the PII access log and the audit log; a refused read writes nothing."""
    reason = _text(
        reason, field="reason", max_len=200, required=True, code=PartyError.REASON_REQUIRED
    )
    if len(reason) < 2:
        raise ApplicationError(
            PartyError.REASON_REQUIRED, _("查看党员身份须填写事由"), field="reason"
        )
    member = visible(acting_user, Member.objects.all()).filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    if not can_reveal(acting_user, member):
        raise PermissionDenied(_("您的角色无权查看党员身份"))
    ident = member._identity()
    if not ident.get("person_id"):
        raise Conflict(PartyError.INVALID_TRANSITION, _("该党员的个人信息已删除"))
    person = Person.objects.get(pk=ident["person_id"])
    pii_access_log_append(
        person=person,
        field=SensitiveField.PARTY_MEMBERSHIP,
        reason=reason,
        context=f"party.member:{member.pk}",
        acting_user=acting_user,
    )
    audit(
        actor=acting_user,
        event=AuditEvent.PARTY_MEMBER_REVEALED,
        target=member,
        reason=reason,
    )
    _event(EventKind.MEMBER_REVEALED, acting_user, member=member, note=reason)
    return {
        "person_id": person.pk,
        "name": ident["name"],
        "joined_on": ident.get("joined_on", ""),
        "party_org": member.party_org.name,
    }


def member_of_person(person_id: int | None) -> Member | None:
    if not person_id:
        return None
    return Member.objects.filter(person_bidx=person_bidx(person_id), left_on__isnull=True).first()


# --- consent to show membership (亮牌上岗、亮身份) -------------------------------------------


def _consent_actor(acting_user: Any, member: Member, evidence: str) -> str:
    """The member themself consents; staff may record a signed paper form (evidence)."""
    own = getattr(acting_user, "person_id", None)
    if own and member_of_person(own) == member:
        return ""
    if not _may_record(acting_user, member.company, member):
        raise NotFound()
    evidence = _text(
        evidence,
        field="evidence",
        max_len=EVIDENCE_MAX,
        required=True,
        code=PartyError.CONSENT_EVIDENCE,
    )
    return evidence


@transaction.atomic
def consent_grant(*, acting_user: Any, member_id: int, evidence: str = "") -> ShowConsent:
    """Record the member's consent to wear the badge and show their identity on duty.
    From the member themself, or by staff from a signed form (``evidence`` names it)."""
    member = Member.objects.select_for_update().filter(pk=member_id, left_on__isnull=True).first()
    if member is None:
        raise NotFound()
    evidence = _consent_actor(acting_user, member, evidence)
    if ShowConsent.objects.filter(member=member, withdrawn_at__isnull=True).exists():
        raise Conflict(PartyError.CONSENT_EXISTS, _("已同意亮身份"))
    consent = ShowConsent.objects.create(member=member, granted_by=acting_user, evidence=evidence)
    _event(EventKind.CONSENT_GRANTED, acting_user, member=member, note=evidence)
    audit(
        actor=acting_user,
        event=AuditEvent.PARTY_CONSENT_CHANGED,
        target=member,
        consent=consent.pk,
        granted=True,
    )
    return consent


@transaction.atomic
def consent_withdraw(*, acting_user: Any, member_id: int, evidence: str = "") -> ShowConsent:
    """Withdraw the consent: the badge disappears at once from every page."""
    member = Member.objects.select_for_update().filter(pk=member_id).first()
    if member is None:
        raise NotFound()
    evidence = _consent_actor(acting_user, member, evidence)
    consent = ShowConsent.objects.filter(member=member, withdrawn_at__isnull=True).first()
    if consent is None:
        raise Conflict(PartyError.NO_CONSENT, _("尚未同意亮身份，无需撤回"))
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = acting_user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    _event(EventKind.CONSENT_WITHDRAWN, acting_user, member=member, note=evidence)
    audit(
        actor=acting_user,
        event=AuditEvent.PARTY_CONSENT_CHANGED,
        target=member,
        consent=consent.pk,
        granted=False,
    )
    return consent


# --- branch proposals ----------------------------------------------------------------------


@transaction.atomic
def branch_propose(
    *, acting_user: Any, company_id: int, compound_id: int | None = None
) -> BranchProposal:
    """Propose a branch for a project with 3 or more members (fewer: 400, nothing
    written; a branch already formed or a proposal waiting: 409)."""
    company = _company(company_id)
    compound = _project(company, compound_id)
    place = _place_of(company, compound)
    if not _may_record(acting_user, company, place):
        raise _refuse(acting_user, company)
    cid = compound.pk if compound else None
    if _project_branch(company.pk, cid) is not None:
        raise Conflict(PartyError.BRANCH_EXISTS, _("该项目已成立党支部"))
    n = _project_members(company.pk, cid).count()
    if n < BRANCH_MIN_MEMBERS:
        raise ApplicationError(
            PartyError.BRANCH_TOO_FEW,
            _("党员不足 %(min)s 名（现有 %(n)s 名），应并入社区党组织，不能单独成立党支部")
            % {"min": BRANCH_MIN_MEMBERS, "n": n},
            field="members",
        )
    if BranchProposal.objects.filter(
        company=company, compound=compound, status=ProposalStatus.PROPOSED
    ).exists():
        raise Conflict(PartyError.PROPOSAL_PENDING, _("该项目已有待审批的组建提议"))
    community_id = place.pk if isinstance(place, Region) else getattr(place, "community_id", None)
    committee = _committee(community_id)
    return _proposal_create(company, compound, committee, n, acting_user, automatic=False)


def _proposals(user: Any) -> QuerySet[BranchProposal]:
    return visible(user, BranchProposal.objects.all())


def proposal_approve(*, acting_user: Any, proposal_id: int) -> BranchProposal:
    """The community party committee approves: the branch is formed under it and the
    project's members move into it."""
    with PROPOSALS.step(
        "approve",
        acting_user,
        _proposals(acting_user),
        proposal_id,
        update_fields=["branch", "members", "decided_by", "decided_at"],
    ) as p:
        members = _project_members(p.company_id, p.compound_id)
        n = members.count()
        if n < BRANCH_MIN_MEMBERS:
            raise ApplicationError(
                PartyError.BRANCH_TOO_FEW,
                _("党员不足 %(min)s 名（现有 %(n)s 名），不能成立党支部")
                % {"min": BRANCH_MIN_MEMBERS, "n": n},
                field="members",
            )
        # A branch the company formed before the platform knew it (recorded in orgs by
        # party_organise_company) is linked, not formed a second time.
        branch = (
            PartyOrg.objects.filter(
                kind=PartyOrgKind.BRANCH, host_org_id=p.company_id, parent=p.committee
            )
            .exclude(pk__in=BranchProposal.objects.filter(branch__isnull=False).values("branch_id"))
            .order_by("id")
            .first()
        )
        if branch is None:
            branch = PartyOrg(
                kind=PartyOrgKind.BRANCH,
                name=p.name,
                parent=p.committee,
                host_org_id=p.company_id,
                formed_on=timezone.localdate(),
            )
            branch.set_place(p.compound or _committee_place(p.committee))
            branch.save()
        members.update(party_org=branch)
        p.branch = branch
        p.members = n
        p.decided_by = acting_user
        p.decided_at = timezone.now()
        _event(
            EventKind.APPROVE,
            acting_user,
            proposal=p,
            from_status=ProposalStatus.PROPOSED,
            to_status=ProposalStatus.APPROVED,
        )
        audit(
            actor=acting_user,
            event=AuditEvent.PARTY_BRANCH_DECIDED,
            target=p,
            branch=branch.pk,
            members=n,
            approved=True,
        )
        notify.branch_decided(p, approved=True)
    p.refresh_from_db()
    return p


def proposal_reject(*, acting_user: Any, proposal_id: int, reason: str) -> BranchProposal:
    reason = _text(
        reason, field="reason", max_len=REASON_MAX, required=True, code=PartyError.REASON_REQUIRED
    )
    with PROPOSALS.step(
        "reject",
        acting_user,
        _proposals(acting_user),
        proposal_id,
        update_fields=["reason", "decided_by", "decided_at"],
    ) as p:
        p.reason = reason
        p.decided_by = acting_user
        p.decided_at = timezone.now()
        _event(
            EventKind.REJECT,
            acting_user,
            proposal=p,
            from_status=ProposalStatus.PROPOSED,
            to_status=ProposalStatus.REJECTED,
            note=reason,
        )
        audit(
            actor=acting_user,
            event=AuditEvent.PARTY_BRANCH_DECIDED,
            target=p,
            approved=False,
            reason=reason,
        )
        notify.branch_decided(p, approved=False, reason=reason)
    p.refresh_from_db()
    return p


# --- posts (三岗联创) and responsibility areas ------------------------------------------------


@transaction.atomic
def post_create(
    *,
    acting_user: Any,
    member_id: int,
    kind: str,
    title: str,
    started_on: dt.date | None = None,
    grid_id: int | None = None,
    building_ids: list[int] | None = None,
) -> Post:
    """Set a member on a post (责任岗/示范岗/先锋岗) or a responsibility area (责任区:
    buildings of the company's projects, or a grid of a community it serves)."""
    member = visible(acting_user, Member.objects.all()).filter(pk=member_id).first()
    if member is None or member.left_on is not None:
        raise NotFound()
    if not _may_record(acting_user, member.company, member):
        raise PermissionDenied()
    if kind not in PostKind.values:
        raise ApplicationError(PartyError.BAD_POST, _("未知的岗位类型"), field="kind")
    title = _text(
        title, field="title", max_len=POST_TITLE_MAX, required=True, code=PartyError.BAD_POST
    )
    building_ids = list(dict.fromkeys(building_ids or []))
    if len(building_ids) > BUILDINGS_MAX:
        raise ApplicationError(PartyError.BAD_POST, _("责任楼栋过多"), field="building_ids")
    buildings = list(
        Building.objects.filter(pk__in=building_ids, compound__company_id=member.company_id)
    )
    if len(buildings) != len(building_ids):
        raise ApplicationError(
            PartyError.BAD_POST, _("责任楼栋须属于本企业的服务项目"), field="building_ids"
        )
    grid = None
    if grid_id:
        grid = Grid.objects.filter(
            pk=grid_id, community_id__in=company_communities(member.company)
        ).first()
        if grid is None:
            raise ApplicationError(
                PartyError.BAD_POST, _("责任网格须在本企业服务的社区内"), field="grid_id"
            )
    if kind == PostKind.AREA and not buildings and grid is None:
        raise ApplicationError(
            PartyError.BAD_POST, _("党员责任区须指定楼栋或网格"), field="building_ids"
        )
    if kind != PostKind.AREA and (buildings or grid):
        raise ApplicationError(
            PartyError.BAD_POST, _("只有党员责任区可以指定楼栋或网格"), field="building_ids"
        )
    today = timezone.localdate()
    started_on = started_on or today
    if not dt.date(2000, 1, 1) <= started_on <= today + dt.timedelta(days=366):
        raise ApplicationError(PartyError.BAD_POST, _("设岗日期超出范围"), field="started_on")
    post = Post(
        kind=kind,
        title=title,
        member=member,
        company_id=member.company_id,
        compound_id=member.compound_id,
        area_grid=grid,
        started_on=started_on,
        created_by=acting_user,
    )
    post.set_place(member.compound or grid or _place_of(member.company, None))
    post.save()
    if buildings:
        post.buildings.set(buildings)
    _event(EventKind.POST_CREATED, acting_user, post=post, member=member)
    audit(actor=acting_user, event=AuditEvent.PARTY_POST_CHANGED, target=post, created=True)
    return post


@transaction.atomic
def post_end(*, acting_user: Any, post_id: int) -> Post:
    post = visible(acting_user, Post.objects.select_for_update()).filter(pk=post_id).first()
    if post is None:
        raise NotFound()
    if not _may_record(acting_user, post.company, post):
        raise PermissionDenied()
    if post.ended_on is not None:
        raise Conflict(PartyError.INVALID_TRANSITION, _("该岗位已撤销"))
    post.ended_on = timezone.localdate()
    post.save(update_fields=["ended_on", "updated_at"])
    _event(EventKind.POST_ENDED, acting_user, post=post, member_id=post.member_id)
    audit(actor=acting_user, event=AuditEvent.PARTY_POST_CHANGED, target=post, ended=True)
    return post


# --- cross-appointments (交叉任职) -----------------------------------------------------------


def _org_in_scope(user: Any, org: Org) -> bool:
    return bool(user.scope_set(*permissions.APPOINTMENT_ROLES).contains(org))


def _usable_orgs(user: Any) -> QuerySet[Org]:
    """Organisations the community desk may name in a cross-appointment: those in its
    scope (the residents' committee, units) and the companies serving its compounds.
    Another scope's organisation is answered exactly as one that does not exist."""
    from redprop.party.selectors import companies_for

    own = user.scope_set(*permissions.APPOINTMENT_ROLES).filter(Org.objects.all())
    return Org.objects.filter(
        Q(pk__in=own.values("pk")) | Q(pk__in=companies_for(user=user).values("pk")),
        is_active=True,
    )


@transaction.atomic
def appointment_create(
    *,
    acting_user: Any,
    person_id: int,
    home_org_id: int,
    seat_org_id: int,
    position: str,
    started_on: dt.date | None = None,
) -> CrossAppointment:
    """交叉任职: a person of one organisation takes a seat in another (a company's branch
    secretary on the residents' committee, or the reverse). The community desk over one
    of the two organisations records it; the person must work in the home organisation."""
    position = _text(
        position,
        field="position",
        max_len=POSITION_MAX,
        required=True,
        code=PartyError.BAD_APPOINTMENT,
    )
    if not acting_user.has_role(*permissions.APPOINTMENT_ROLES):
        raise PermissionDenied()
    usable = _usable_orgs(acting_user)
    home = usable.filter(pk=home_org_id).first()
    if home is None:
        raise ApplicationError(PartyError.BAD_APPOINTMENT, _("请选择本职单位"), field="home_org_id")
    seat = usable.filter(pk=seat_org_id).first()
    if seat is None:
        raise ApplicationError(PartyError.BAD_APPOINTMENT, _("请选择兼职单位"), field="seat_org_id")
    if not (_org_in_scope(acting_user, home) or _org_in_scope(acting_user, seat)):
        # Two companies serving the desk's compounds: not the desk's to record.
        raise ApplicationError(
            PartyError.BAD_APPOINTMENT,
            _("本职单位或兼职单位须有一方在本社区"),
            field="seat_org_id",
        )
    if home.pk == seat.pk:
        raise ApplicationError(
            PartyError.BAD_APPOINTMENT, _("交叉任职须在两个不同组织之间"), field="seat_org_id"
        )
    person = Person.objects.filter(pk=person_id).first()
    if (
        person is None
        or not OrgMembership.objects.filter(org=home, person=person, ended_on__isnull=True).exists()
    ):
        raise ApplicationError(
            PartyError.BAD_APPOINTMENT, _("该人员不是本职单位的在职人员"), field="person_id"
        )
    if CrossAppointment.objects.filter(
        person=person, seat_org=seat, ended_on__isnull=True
    ).exists():
        raise Conflict(PartyError.BAD_APPOINTMENT, _("该人员已在兼职单位任职"))
    today = timezone.localdate()
    started_on = started_on or today
    if not dt.date(2000, 1, 1) <= started_on <= today + dt.timedelta(days=366):
        raise ApplicationError(
            PartyError.BAD_APPOINTMENT, _("开始日期超出范围"), field="started_on"
        )
    appointment = CrossAppointment.objects.create(
        person=person, home_org=home, seat_org=seat, position=position, started_on=started_on
    )
    _event(EventKind.APPOINTMENT_MADE, acting_user, appointment=appointment, note=position)
    audit(
        actor=acting_user,
        event=AuditEvent.PARTY_APPOINTMENT_CHANGED,
        target=appointment,
        created=True,
    )
    return appointment


@transaction.atomic
def appointment_end(
    *, acting_user: Any, appointment_id: int, ended_on: dt.date | None = None
) -> CrossAppointment:
    a = (
        CrossAppointment.objects.select_for_update()
        .select_related("home_org", "seat_org")
        .filter(pk=appointment_id)
        .first()
    )
    if a is None or not (
        _org_in_scope(acting_user, a.home_org) or _org_in_scope(acting_user, a.seat_org)
    ):
        raise NotFound()
    if a.ended_on is not None:
        raise Conflict(PartyError.BAD_APPOINTMENT, _("该任职已结束"))
    ended_on = ended_on or timezone.localdate()
    if ended_on < a.started_on:
        raise ApplicationError(
            PartyError.BAD_APPOINTMENT, _("结束日期不能早于开始日期"), field="ended_on"
        )
    a.ended_on = ended_on
    a.save(update_fields=["ended_on", "updated_at"])
    _event(EventKind.APPOINTMENT_ENDED, acting_user, appointment=a)
    audit(actor=acting_user, event=AuditEvent.PARTY_APPOINTMENT_CHANGED, target=a, ended=True)
    return a


# --- supervision (党组织监督) -----------------------------------------------------------------


def _amount(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal("NaN")
    if not amount.is_finite() or not 0 <= amount <= AMOUNT_MAX or amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ApplicationError(
            PartyError.BAD_SUPERVISION, _("金额应在 0 到 10 亿元之间，最多两位小数"), field="amount"
        )
    return amount


@transaction.atomic
def supervision_submit(
    *,
    acting_user: Any,
    company_id: int,
    community_id: int,
    kind: str,
    title: str,
    detail: str,
    amount: Any = None,
    due_on: dt.date | None = None,
) -> Supervision:
    """A company submits a charging, spending or project decision to the party committee
    of a community it serves, before acting; the opinion is due by ``due_on`` (default
    7 days, within 1–60 days)."""
    company = _company(company_id)
    probe = type("Probe", (), {"company_id": company.pk})()
    if not permissions.is_company(acting_user, probe):
        raise _refuse(acting_user, company)
    if kind not in SupervisionKind.values:
        raise ApplicationError(PartyError.BAD_SUPERVISION, _("未知的事项类型"), field="kind")
    title = _text(
        title, field="title", max_len=TITLE_MAX, required=True, code=PartyError.BAD_SUPERVISION
    )
    detail = _text(
        detail, field="detail", max_len=DETAIL_MAX, required=True, code=PartyError.BAD_SUPERVISION
    )
    value = _amount(amount)
    if community_id not in company_communities(company):
        raise ApplicationError(
            PartyError.BAD_SUPERVISION, _("请选择本企业服务的社区"), field="community_id"
        )
    _committee(community_id)
    today = timezone.localdate()
    due_on = due_on or today + dt.timedelta(days=DEFAULT_OPINION_DAYS)
    if not (
        today + dt.timedelta(days=OPINION_DAYS_MIN)
        <= due_on
        <= today + dt.timedelta(days=OPINION_DAYS_MAX)
    ):
        raise ApplicationError(
            PartyError.BAD_DEADLINE,
            _("意见期限应在 %(a)s 至 %(b)s 天之内")
            % {"a": OPINION_DAYS_MIN, "b": OPINION_DAYS_MAX},
            field="due_on",
        )
    s = Supervision(
        company=company,
        kind=kind,
        title=title,
        detail=detail,
        amount=value,
        due_on=due_on,
        submitted_by=acting_user,
    )
    s.set_place(Region.objects.get(pk=community_id))
    s.save()
    _event(EventKind.SUBMITTED, acting_user, supervision=s, to_status=s.status)
    audit(actor=acting_user, event=AuditEvent.PARTY_SUPERVISION_SUBMITTED, target=s)
    notify.supervision_submitted(s)
    return s


def _supervisions(user: Any) -> QuerySet[Supervision]:
    return visible(user, Supervision.objects.all())


def supervision_opine(
    *, acting_user: Any, supervision_id: int, opinion: str, text: str = ""
) -> Supervision:
    """The community party committee's opinion: agree, disagree or amend (the last two
    with their reasons). Late opinions are accepted and shown as late."""
    if opinion not in Opinion.values:
        raise ApplicationError(PartyError.BAD_OPINION, _("请选择意见"), field="opinion")
    text = _text(
        text,
        field="opinion_text",
        max_len=OPINION_MAX,
        required=opinion != Opinion.AGREE,
        code=PartyError.BAD_OPINION,
    )
    with SUPERVISION.step(
        "opine",
        acting_user,
        _supervisions(acting_user),
        supervision_id,
        update_fields=["opinion", "opinion_text", "opinion_by", "opinion_at"],
    ) as s:
        s.opinion = opinion
        s.opinion_text = text
        s.opinion_by = acting_user
        s.opinion_at = timezone.now()
        _event(
            EventKind.OPINE,
            acting_user,
            supervision=s,
            from_status="submitted",
            to_status="answered",
            note=f"{opinion}: {text}",
        )
        audit(
            actor=acting_user,
            event=AuditEvent.PARTY_SUPERVISION_OPINION,
            target=s,
            opinion=opinion,
            late=s.answered_late,
        )
        notify.supervision_opinion(s)
    s.refresh_from_db()
    return s


def supervision_withdraw(*, acting_user: Any, supervision_id: int, reason: str = "") -> Supervision:
    reason = _text(
        reason, field="reason", max_len=REASON_MAX, required=False, code=PartyError.BAD_SUPERVISION
    )
    with SUPERVISION.step("withdraw", acting_user, _supervisions(acting_user), supervision_id) as s:
        _event(
            EventKind.WITHDRAW,
            acting_user,
            supervision=s,
            from_status="submitted",
            to_status="withdrawn",
            note=reason,
        )
        audit(
            actor=acting_user,
            event=AuditEvent.PARTY_SUPERVISION_CLOSED,
            target=s,
            withdrawn=True,
            reason=reason,
        )
    s.refresh_from_db()
    return s


def supervision_close(*, acting_user: Any, supervision_id: int, note: str) -> Supervision:
    """The company records what it did after the opinion (办结)."""
    note = _text(
        note, field="note", max_len=REASON_MAX, required=True, code=PartyError.BAD_SUPERVISION
    )
    with SUPERVISION.step(
        "close",
        acting_user,
        _supervisions(acting_user),
        supervision_id,
        update_fields=["closed_note"],
    ) as s:
        s.closed_note = note
        _event(
            EventKind.CLOSE,
            acting_user,
            supervision=s,
            from_status="answered",
            to_status="closed",
            note=note,
        )
        audit(actor=acting_user, event=AuditEvent.PARTY_SUPERVISION_CLOSED, target=s, closed=True)
    s.refresh_from_db()
    return s


SUPERVISION_SERVICES = {
    "opine": supervision_opine,
    "withdraw": supervision_withdraw,
    "close": supervision_close,
}


# --- personal-information rights (PIPL arts. 45, 47) ------------------------------------------


def member_personal_data(*, person_id: int) -> dict[str, Any] | None:
    """What the party records hold about one person, for their own data download
    (``privacy.services.personal_data_export`` may call it; it logs the read)."""
    member = (
        Member.objects.filter(person_bidx=person_bidx(person_id))
        .select_related("company", "compound", "party_org")
        .first()
    )
    if member is None:
        return None
    ident = member._identity()
    return {
        "company": member.company.name,
        "project": member.compound.name if member.compound else "",
        "party_org": member.party_org.name,
        "joined_on": ident.get("joined_on", ""),
        "left_on": member.left_on.isoformat() if member.left_on else "",
        "consents": [
            {
                "granted_at": c.granted_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else "",
            }
            for c in member.consents.order_by("granted_at")
        ],
        "posts": [
            {"kind": p.kind, "title": p.title, "started_on": p.started_on.isoformat()}
            for p in member.posts.order_by("started_on")
        ],
    }


@transaction.atomic
def member_erase_person(*, person_id: int, acting_user: Any) -> bool:
    """Carry out an erasure (``privacy.services.erasure_request_carry_out`` may call it):
    the member row keeps counting in coverage but names nobody any more — the identity
    is replaced, the blind index becomes a random one, the standing consent ends."""
    import secrets

    member = Member.objects.select_for_update().filter(person_bidx=person_bidx(person_id)).first()
    if member is None:
        return False
    member.identity_enc = crypto.encrypt('{"erased": true}')
    member.person_bidx = secrets.token_hex(32)
    member.name_masked = "***"
    member.save(update_fields=["identity_enc", "person_bidx", "name_masked", "updated_at"])
    ShowConsent.objects.filter(member=member, withdrawn_at__isnull=True).update(
        withdrawn_at=timezone.now(), withdrawn_by=acting_user
    )
    _event(EventKind.MEMBER_LEFT, acting_user, member=member, note="erased")
    audit(
        actor=acting_user,
        event=AuditEvent.PARTY_MEMBER_REGISTERED,
        target=member,
        erased=True,
    )
    return True
