"""Who may do what with fees: role and scope, and each relationship named once.

* ``is_collector(user, compound)`` — the compound's property company (company staff of
  ``compound.company``) or the sysadmin: bill runs, payments at the window, refunds,
  corrections, rent, subsidy and costs, preparing and publishing the disclosure.
* ``is_supervisor(user, compound)`` — a region desk (community, street, housing bureau)
  whose scope holds the compound: reads the books, arrears and the gap ledger.
* ``is_household(user, unit)`` — the resident who owns or lives in the unit: their
  bills, statement, online payment and receipts.
* ``may_see_hardship(user, unit)`` — the roles that may see a household's hardship tag
  (``people.policies.REVEAL_ROLES[sensitive_tags]``) within their scope: grants and the
  policy name of a reduction.
* ``is_committee_member(user, disclosure)`` — a current member of the compound's
  owners' committee (业主委员会): signs the disclosure first.
* ``is_party_org(user, disclosure)`` — the community party organisation's desk (the
  community staff of the compound's community): signs second.
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.people.choices import SensitiveField
from redprop.people.policies import REVEAL_ROLES

SUPERVISOR_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU)


def _authed(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_sysadmin(user: Any) -> bool:
    return _authed(user) and Role.SYSADMIN in user.role_names()


def is_collector(user: Any, compound: Any) -> bool:
    if not _authed(user) or compound is None:
        return False
    if is_sysadmin(user):
        return True
    return compound.company_id is not None and any(
        r.role == Role.COMPANY_STAFF and r.org_id == compound.company_id for r in user.active_roles
    )


def is_supervisor(user: Any, compound: Any) -> bool:
    if not _authed(user) or compound is None:
        return False
    roles = [r for r in user.role_names() if r in SUPERVISOR_ROLES]
    return bool(roles) and user.scope_set(*roles).contains(compound)


def may_read_books(user: Any, compound: Any) -> bool:
    return is_collector(user, compound) or is_supervisor(user, compound)


def is_household(user: Any, unit: Any) -> bool:
    if not _authed(user) or unit is None or not user.person_id:
        return False
    if Role.RESIDENT not in user.role_names():
        return False
    return user.scope_set(Role.RESIDENT).contains(unit)


def may_see_hardship(user: Any, unit_or_compound: Any) -> bool:
    if not _authed(user):
        return False
    allowed = REVEAL_ROLES.get(SensitiveField.SENSITIVE_TAGS, frozenset())
    roles = [r for r in user.role_names() if r in allowed]
    return bool(roles) and user.scope_set(*roles).contains(unit_or_compound)


def is_committee_member(user: Any, disclosure: Any) -> bool:
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import OrgMembership

    if not _authed(user) or not user.person_id:
        return False
    return OrgMembership.objects.filter(
        person_id=user.person_id,
        ended_on__isnull=True,
        org__kind=OrgKind.OWNERS_COMMITTEE,
        org__compound_id=disclosure.compound_id,
        org__is_active=True,
    ).exists()


def is_party_org(user: Any, disclosure: Any) -> bool:
    if not _authed(user):
        return False
    return any(
        r.role == Role.COMMUNITY_STAFF and r.region_id == disclosure.compound.community_id
        for r in user.active_roles
    )


def is_preparer(user: Any, disclosure: Any) -> bool:
    return is_collector(user, disclosure.compound)


def may_read_disclosure(user: Any, disclosure: Any) -> bool:
    """The books' readers always; the compound's residents once it is published."""
    from redprop.fees.choices import DisclosureStatus

    if may_read_books(user, disclosure.compound):
        return True
    if is_committee_member(user, disclosure) or is_party_org(user, disclosure):
        return True
    if disclosure.status != DisclosureStatus.PUBLISHED or not _authed(user):
        return False
    if Role.RESIDENT not in user.role_names():
        return False
    from redprop.territory.models import Unit

    return Unit.objects.filter(
        Unit.resident_scope_q(user.person_id or 0), compound_id=disclosure.compound_id
    ).exists()
