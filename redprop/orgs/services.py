"""Organisations, memberships, cross-appointments and party organisation."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent
from redprop.orgs.choices import BRANCH_MIN_MEMBERS, OrgKind, PartyOrgKind
from redprop.orgs.models import (
    CoBuildingAgreement,
    CrossAppointment,
    Org,
    OrgMembership,
    PartyMembership,
    PartyOrg,
)
from redprop.people.party_identity import person_bidx
from redprop.people.validation import clean_phone

if TYPE_CHECKING:
    from redprop.accounts.models import User
    from redprop.core.models import Place


@transaction.atomic
def org_create(
    *,
    kind: str,
    name: str,
    place: Any,
    company_type: str = "",
    unit_type: str = "",
    compound: Any = None,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
    service_phone: str = "",
    acting_user: User,
) -> Org:
    """Create an organisation placed at a region (or, for an owners' committee, a compound)."""
    if kind == OrgKind.PROPERTY_COMPANY and not company_type:
        raise ApplicationError(
            "company_type_required", _("物业企业须注明企业性质"), field="company_type"
        )
    if kind == OrgKind.COBUILDING_UNIT and not unit_type:
        raise ApplicationError("unit_type_required", _("辖区单位须注明单位类别"), field="unit_type")
    if kind == OrgKind.OWNERS_COMMITTEE:
        if compound is None:
            raise ApplicationError(
                "compound_required", _("业主委员会须属于一个小区"), field="compound"
            )
        place = compound
    if term_start and term_end and term_end <= term_start:
        raise ApplicationError("invalid_term", _("任期结束日期须晚于开始日期"), field="term_end")
    org = Org(
        kind=kind,
        name=name,
        company_type=company_type,
        unit_type=unit_type,
        compound=compound,
        term_start=term_start,
        term_end=term_end,
        service_phone=service_phone,
    )
    org.set_place(place)
    org.save()
    audit(actor=acting_user, event=AuditEvent.ORG_CREATED, target=org)
    return org


@transaction.atomic
def org_add_member(
    *,
    org: Org,
    person: Any,
    position: str = "",
    work_phone: str = "",
    started_on: dt.date | None = None,
    acting_user: User,
) -> OrgMembership:
    """Add a member; ``work_phone`` is the post's phone issued by the org (工作电话)."""
    if OrgMembership.objects.filter(org=org, person=person, ended_on__isnull=True).exists():
        raise ApplicationError("already_member", _("该人员已是本组织成员"), field="person")
    if work_phone:
        work_phone = clean_phone(work_phone, field="work_phone")
    membership = OrgMembership.objects.create(
        org=org,
        person=person,
        position=position,
        work_phone=work_phone,
        started_on=started_on or timezone.localdate(),
    )
    audit(
        actor=acting_user,
        event=AuditEvent.ORG_MEMBER_ADDED,
        target=org,
        person=person.pk,
        position=position,
        work_phone=work_phone,
    )
    return membership


@transaction.atomic
def cross_appoint(
    *,
    person: Any,
    home_org: Org,
    seat_org: Org,
    position: str,
    started_on: dt.date | None = None,
    acting_user: User,
) -> CrossAppointment:
    """交叉任职: e.g. a company's branch secretary takes a seat on the residents' committee."""
    if home_org.pk == seat_org.pk:
        raise ApplicationError("same_org", _("交叉任职须在两个不同组织之间"), field="seat_org")
    appointment = CrossAppointment.objects.create(
        person=person,
        home_org=home_org,
        seat_org=seat_org,
        position=position,
        started_on=started_on or timezone.localdate(),
    )
    audit(actor=acting_user, event=AuditEvent.CROSS_APPOINTMENT, target=appointment)
    return appointment


@transaction.atomic
def agreement_create(
    *,
    org: Org,
    community: Any,
    title: str,
    signed_on: dt.date,
    expires_on: dt.date | None = None,
    resources: str = "",
    duties: str = "",
    acting_user: User,
) -> CoBuildingAgreement:
    if expires_on and expires_on <= signed_on:
        raise ApplicationError("invalid_term", _("到期日期须晚于签订日期"), field="expires_on")
    agreement = CoBuildingAgreement(
        org=org,
        title=title,
        signed_on=signed_on,
        expires_on=expires_on,
        resources=resources,
        duties=duties,
    )
    agreement.set_place(community)
    agreement.save()
    audit(actor=acting_user, event=AuditEvent.ORG_CREATED, target=agreement)
    return agreement


@transaction.atomic
def party_committee_create(*, community: Any, name: str, acting_user: User) -> PartyOrg:
    committee = PartyOrg(kind=PartyOrgKind.COMMITTEE, name=name, formed_on=timezone.localdate())
    committee.set_place(community)
    committee.save()
    audit(actor=acting_user, event=AuditEvent.PARTY_BRANCH_FORMED, target=committee)
    return committee


@transaction.atomic
def party_organise_company(
    *,
    company: Org,
    members: list[Any],
    committee: PartyOrg,
    acting_user: User,
    formed_on: dt.date | None = None,
) -> PartyOrg:
    """Organisation coverage for a property company's project (组织覆盖).

    With 3 or more party members the project forms its own branch under the
    community party committee; with fewer, the members join the community's
    committee directly. Returns the party organisation the members now belong to.
    """
    if committee.kind != PartyOrgKind.COMMITTEE:
        raise ApplicationError("not_a_committee", _("上级须为社区党委"), field="committee")
    if not members:
        raise ApplicationError("no_members", _("没有党员，无法建立组织关系"), field="members")
    if len(members) >= BRANCH_MIN_MEMBERS:
        target = PartyOrg(
            kind=PartyOrgKind.BRANCH,
            name=f"{company.name}党支部",
            parent=committee,
            host_org=company,
            formed_on=formed_on or timezone.localdate(),
        )
        target.set_place(cast("Place", committee.community if committee.community_id else company))
        target.save()
        audit(
            actor=acting_user,
            event=AuditEvent.PARTY_BRANCH_FORMED,
            target=target,
            members=len(members),
        )
    else:
        target = committee
        audit(
            actor=acting_user,
            event=AuditEvent.ORG_MEMBER_ADDED,
            target=committee,
            work_org=company.pk,
            members=len(members),
        )
    # The identities are sealed (blind index, ciphertext, masked name): no row names a
    # member in clear (PIPL art. 28; orgs.models.PartyMembership).
    PartyMembership.objects.bulk_create(
        [
            PartyMembership.of_person(
                p,
                party_org=target,
                work_org=company,
                joined_on=formed_on or timezone.localdate(),
            )
            for p in members
        ]
    )
    return target


# --- personal-information rights (PIPL arts. 45, 47) ------------------------------------------


def party_membership_personal_data(*, person_id: int) -> list[dict[str, Any]]:
    """The person's organisational relations (组织关系), for their own data download
    (``privacy.services.personal_data_export``, which logs the read). Found by the
    blind index; the name is the one sealed in the row."""
    rows = (
        PartyMembership.objects.filter(person_bidx=person_bidx(person_id))
        .select_related("party_org", "work_org")
        .order_by("pk")
    )
    return [
        {
            "party_org": m.party_org.name,
            "name": m._identity().get("name", ""),
            "work_org": m.work_org.name if m.work_org else "",
            "is_secretary": m.is_secretary,
            "joined_on": m.joined_on.isoformat() if m.joined_on else "",
        }
        for m in rows
    ]


@transaction.atomic
def party_membership_erase_person(*, person_id: int, acting_user: User | None) -> int:
    """Carry out an erasure (``privacy.services.erasure_request_carry_out``): delete the
    person's organisational relations; returns how many rows went. No audit row of its
    own: one naming the membership would outlive the erasure; the caller's erasure
    record counts them."""
    deleted, _by_model = PartyMembership.objects.filter(person_bidx=person_bidx(person_id)).delete()
    return deleted
