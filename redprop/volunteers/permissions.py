"""Who is who to an activity (scope AND relationship):

* ``is_organiser`` — the activity's organiser, the leader of its team, community staff of
  its community (the residents' committee runs the alliance) and the system administrator:
  publish, start, finish, cancel; check volunteers in and out by scanning their code;
  credit, approve and reject hours;
* ``is_volunteer`` — a registered, active volunteer of the activity's community: sign up,
  withdraw, check in and out with the activity's code;
* ``is_overseer`` — the street office and the housing bureau over its place: read only.

A volunteer never approves their own hours (``staff_never`` on the hours table: the
organiser who is also the volunteer cannot approve what they served).
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS, Scope

# Who reaches the volunteer pages at all.
PAGE_ROLES = (
    Role.RESIDENT,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)
# Who organises (creates teams, registers volunteers, announces activities).
ORGANISER_ROLES = (Role.COMMUNITY_STAFF, Role.SYSADMIN)
# Who reads activities and counts over their territory.
STAFF_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN)


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _in(scope: Scope, obj: Any) -> bool:
    if scope.kind == "all":
        return True
    if scope.kind in TERRITORY_LEVELS:
        return getattr(obj, f"{scope.kind}_id", None) == scope.node_id
    return False


def organises_community(user: Any, community_id: int | None) -> bool:
    """Community staff of ``community_id`` or the system administrator."""
    if not _active(user) or community_id is None:
        return False
    for s in user.scope_set(*ORGANISER_ROLES):
        if s.kind == "all" or (s.kind == "community" and s.node_id == community_id):
            return True
    return False


def is_organiser(user: Any, activity: Any) -> bool:
    if not _active(user):
        return False
    if activity.organiser_id == user.pk:
        return True
    if getattr(activity.team, "leader_id", None) == user.pk:
        return True
    return organises_community(user, activity.community_id)


def volunteer_of(user: Any, community_id: int | None) -> Any:
    """The user's active volunteer record in ``community_id`` (None: not one)."""
    from redprop.volunteers.models import Volunteer

    person_id = getattr(user, "person_id", None) if _active(user) else None
    if person_id is None or community_id is None or not user.has_role(Role.RESIDENT):
        return None
    return Volunteer.objects.filter(
        person_id=person_id, community_id=community_id, active=True
    ).first()


def is_volunteer(user: Any, activity: Any) -> bool:
    return volunteer_of(user, activity.community_id) is not None


def is_overseer(user: Any, activity: Any) -> bool:
    return _active(user) and any(
        _in(s, activity) for s in user.scope_set(Role.STREET_OFFICER, Role.HOUSING_BUREAU)
    )


def can_view(user: Any, activity: Any) -> bool:
    from redprop.volunteers.choices import PUBLIC_STATES

    if is_organiser(user, activity) or is_overseer(user, activity):
        return True
    if activity.status not in PUBLIC_STATES:
        return False
    person_id = getattr(user, "person_id", None)
    if person_id is None or not user.has_role(Role.RESIDENT):
        return False
    from redprop.people.models import Person

    lives_here = Person.objects.filter(pk=person_id, community_id=activity.community_id).exists()
    return lives_here or is_volunteer(user, activity)


# The hours' relationships (obj: an HoursRecord, whose activity is loaded).
def is_hours_organiser(user: Any, record: Any) -> bool:
    return is_organiser(user, record.activity)


def is_hours_owner(user: Any, record: Any) -> bool:
    return _active(user) and getattr(user, "person_id", None) == record.person_id
