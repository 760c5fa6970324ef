"""Who may do what to a vote: scope AND relationship (docs/subsystems/votes.md).

* ``is_organiser`` — community staff or a street officer over the vote's place (or the
  sysadmin): creates, opens, closes, publishes, cancels; enters paper and proxy
  ballots; the only one who may read how someone voted (each read logged);
* ``is_committee`` — a member of the compound's owners' committee (业主委员会): sees who
  took part, never their choice;
* ``is_owner`` — an owner of a unit in the scope (frozen at opening: a person of one of
  the vote's heads, or a member of the developer for its units): casts their ballot;
* ``is_proxy`` — a user holding a written authorisation for a head of this vote;
* ``is_staff`` — any staff role over the vote's place: sees the vote, not the ballots.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS, Scope

ORGANISERS = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN)
STAFF_ROLES = tuple(r for r in Role if r not in (Role.RESIDENT, Role.HOTLINE))


def _matches(scope: Scope, vote: Any) -> bool:
    if scope.kind == "all":
        return True
    if scope.kind in TERRITORY_LEVELS:
        return getattr(vote, f"{scope.kind}_id", None) == scope.node_id
    if scope.kind == "org":
        return vote.compound.company_id == scope.node_id
    return False


def _scoped(user: Any, vote: Any, roles: tuple[str, ...]) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return any(_matches(s, vote) for s in user.scope_set(*roles))


def is_organiser(user: Any, vote: Any) -> bool:
    return _scoped(user, vote, ORGANISERS)


def is_staff(user: Any, vote: Any) -> bool:
    return _scoped(user, vote, STAFF_ROLES)


def _person_id(user: Any) -> int | None:
    if not (user and user.is_authenticated and user.is_active):
        return None
    return getattr(user, "person_id", None)


def is_committee(user: Any, vote: Any) -> bool:
    """A current member of the compound's owners' committee (业主委员会)."""
    from redprop.orgs.choices import OrgKind
    from redprop.orgs.models import OrgMembership

    pid = _person_id(user)
    if not pid:
        return False
    return OrgMembership.objects.filter(
        person_id=pid,
        ended_on__isnull=True,
        org__kind=OrgKind.OWNERS_COMMITTEE,
        org__compound_id=vote.compound_id,
    ).exists()


def elector_q(person_id: int) -> Q:
    """The heads a person may cast for as owner: their own, or their developer's. Two
    id subqueries rather than one OR over two joins: each uses its index."""
    from redprop.orgs.models import OrgMembership
    from redprop.votes.models import Elector

    developers = OrgMembership.objects.filter(person_id=person_id, ended_on__isnull=True).values(
        "org_id"
    )
    own = Elector.persons.through.objects.filter(person_id=person_id).values("elector_id")
    return Q(pk__in=own) | Q(developer_id__in=developers)


def is_owner(user: Any, vote: Any) -> bool:
    """Before opening: an owner of a unit of the scope today. From opening: a person of
    one of the frozen heads (or of the developer holding one)."""
    pid = _person_id(user)
    if not pid:
        return False
    if vote.opened_at is not None:
        return vote.electors.filter(elector_q(pid)).exists()
    from redprop.territory.models import Ownership

    units = Ownership.objects.filter(unit__compound_id=vote.compound_id)
    if vote.building_id:
        units = units.filter(unit__building_id=vote.building_id)
    return units.filter(
        Q(person_id=pid)
        | Q(developer__members__person_id=pid, developer__members__ended_on__isnull=True)
    ).exists()


def is_proxy(user: Any, vote: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active) or vote.pk is None:
        return False
    return vote.proxies.filter(proxy_id=user.pk).exists()


def can_view(user: Any, vote: Any) -> bool:
    """A draft: its organisers. Afterwards: also staff of the place, the committee,
    the owners and their proxies."""
    if is_organiser(user, vote):
        return True
    if vote.state == "draft":
        return False
    return (
        is_staff(user, vote)
        or is_committee(user, vote)
        or is_owner(user, vote)
        or is_proxy(user, vote)
    )


def can_see_participants(user: Any, vote: Any) -> bool:
    return vote.opened_at is not None and (is_organiser(user, vote) or is_committee(user, vote))
