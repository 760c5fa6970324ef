"""Who may do what with meetings: scope AND a named relationship.

* ``is_staff`` — a community desk, street officer or the system administrator whose
  territory covers the meeting (they convene meetings of their communities);
* ``is_convener`` — the meeting's named convener (召集人);
* ``is_invitee`` — an invited person, or staff of an invited organisation;
* ``is_responsible`` — the person or organisation a resolution names (责任方);
* ``can_propose`` — a resident, butler or desk (the 三方联动专员 sits on a street or
  community desk) proposing an issue for a community inside their scope.
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS

DESKS = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN)
# Who may propose an issue (议题): residents, the grid's butler, the desks.
PROPOSERS = (Role.RESIDENT, Role.GRID_BUTLER, *DESKS)
ORG_STAFF = (Role.COMPANY_STAFF, Role.UNIT_STAFF)


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _covers(user: Any, obj: Any, roles: tuple[str, ...]) -> bool:
    """A territory scope of one of ``roles`` covering ``obj`` (no query)."""
    if not _active(user):
        return False
    for s in user.scope_set(*roles):
        if s.kind == "all":
            return True
        if s.kind in TERRITORY_LEVELS and getattr(obj, f"{s.kind}_id", None) == s.node_id:
            return True
    return False


def _meeting(obj: Any) -> Any:
    """The meeting of a meeting, an agenda item or a resolution."""
    name = type(obj).__name__
    if name == "Resolution":
        return obj.item.meeting
    if name == "AgendaItem":
        return obj.meeting
    return obj


def is_staff(user: Any, obj: Any) -> bool:
    """A desk whose territory covers the meeting (or the issue's community)."""
    target = obj if hasattr(obj, "community_id") else _meeting(obj)
    return _covers(user, target, DESKS)


def is_convener(user: Any, obj: Any) -> bool:
    """The meeting's named convener, while they still hold a desk role in its scope."""
    meeting = _meeting(obj)
    return _active(user) and meeting.convener_id == user.pk and _covers(user, meeting, DESKS)


def is_organiser(user: Any, obj: Any) -> bool:
    """Convener or desk: who prepares, runs and minutes the meeting."""
    return is_convener(user, obj) or is_staff(user, obj)


def is_invitee(user: Any, meeting: Any) -> bool:
    if not _active(user):
        return False
    from redprop.meetings.models import Participant

    orgs = [s.node_id for s in user.scope_set(*ORG_STAFF) if s.kind == "org"]
    qs = Participant.objects.filter(meeting=meeting)
    if user.person_id and qs.filter(person_id=user.person_id).exists():
        return True
    return bool(orgs) and qs.filter(org_id__in=orgs).exists()


def is_responsible(user: Any, resolution: Any) -> bool:
    """The person a resolution names, or staff of the organisation it names."""
    if not _active(user):
        return False
    if resolution.responsible_person_id and user.person_id == resolution.responsible_person_id:
        return True
    org_id = resolution.responsible_org_id
    if not org_id:
        return False
    if any(s.kind == "org" and s.node_id == org_id for s in user.scope_set(*ORG_STAFF)):
        return True
    # The residents' committee answers through the community's desk.
    from redprop.orgs.choices import OrgKind

    org = resolution.responsible_org
    return org.kind == OrgKind.RESIDENTS_COMMITTEE and _covers(
        user, resolution.item.meeting, (Role.COMMUNITY_STAFF,)
    )


def can_view(user: Any, obj: Any) -> bool:
    """Inside the user's scope (residents: meetings of their own community)."""
    return _active(user) and user.scope_set().contains(obj)


def can_propose(user: Any, place: Any) -> bool:
    """May ``user`` raise an issue at ``place`` (a community Region or a Compound)?"""
    if not _active(user) or not user.has_role(*PROPOSERS):
        return False
    community = place if getattr(place, "level", "") == "community" else None
    if community is None and place is not None:
        community = getattr(place, "community", None)
    if community is None or getattr(community, "level", "") != "community":
        return False
    if community_in_reach(user, community, roles=(Role.GRID_BUTLER, *DESKS)):
        return True
    return community_in_reach(user, community, roles=(Role.RESIDENT,))


def can_send_request(user: Any, request: Any) -> bool:
    """上会: the dispatcher of the request's place (community desk, street officer)."""
    return _covers(user, request, DESKS)


def source_for(user: Any) -> str:
    from redprop.meetings.choices import IssueSource

    names = user.role_names()
    if names & {Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN}:
        return IssueSource.LIAISON
    if Role.GRID_BUTLER in names:
        return IssueSource.GRID
    return IssueSource.RESIDENT


def community_in_reach(user: Any, community: Any, roles: tuple[str, ...] = ()) -> bool:
    """Does any scope of ``user`` reach the community (its meetings)? A territory scope
    at or above it, a grid of it, a company serving one of its compounds, a resident
    living or owning there."""
    if not _active(user) or community is None or getattr(community, "level", "") != "community":
        return False
    from redprop.territory.models import Compound, Grid
    from redprop.territory.places import scope_columns_of

    cols = scope_columns_of(community)
    for s in user.scope_set(*roles):
        if s.kind == "all":
            return True
        if s.kind == "grid":
            if Grid.objects.filter(pk=s.node_id, community_id=community.pk).exists():
                return True
        elif s.kind in TERRITORY_LEVELS:
            if cols.get(f"{s.kind}_id") == s.node_id:
                return True
        elif s.kind == "org":
            if Compound.objects.filter(community_id=community.pk, company_id=s.node_id).exists():
                return True
        elif s.kind == "resident":
            from redprop.meetings.models import _resident_communities

            if _resident_communities(s.node_id).filter(community_id=community.pk).exists():
                return True
    return False
