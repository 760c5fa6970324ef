"""Who may do what to a case: scope AND relationship (docs/subsystems/mediation.md).

* ``is_mediator`` — a user named as one of the case's mediators (community staff, a
  member of the people's mediation committee, a lawyer volunteer);
* ``is_supervisor`` — the supervising roles over the case's place: the community's
  staff, the street office, the housing bureau (its 房产物业信访 office), the sysadmin;
* ``is_party`` — a resident who is a party (当事人) of the case, or the staff of a
  company that is one;
* ``is_applicant`` — a party on the applicant's side (may withdraw).

Case files (卷宗: sessions, notes, the other party's data) are read only by mediators
and supervisors, and every read is logged (``services.case_file_open``). A party sees
their own case through the party view (``View.PARTY``).

Mediators and the parties are read from the case's prefetched rows (``mediators``,
``parties``): callers load the case with ``selectors.case_queryset``.
"""

from __future__ import annotations

import enum
from typing import Any

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS

SUPERVISORS = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN)
# Who registers a petition or opens a dispute case at a place.
INTAKE_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN)


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def covers(user: Any, obj: Any, roles: tuple[str, ...]) -> bool:
    """Whether one of ``user``'s ``roles`` has a territory scope over ``obj``'s place."""
    if not _active(user):
        return False
    for s in user.scope_set(*roles):
        if s.kind == "all":
            return True
        if s.kind in TERRITORY_LEVELS and getattr(obj, f"{s.kind}_id", None) == s.node_id:
            return True
    return False


def is_supervisor(user: Any, case: Any) -> bool:
    return covers(user, case, SUPERVISORS)


def is_mediator(user: Any, case: Any) -> bool:
    if not _active(user):
        return False
    return any(m.user_id == user.pk for m in case.mediators.all())


def is_party(user: Any, case: Any) -> bool:
    return party_of(user, case) is not None


def is_applicant(user: Any, case: Any) -> bool:
    party = party_of(user, case)
    return party is not None and party.side == "applicant"


def party_of(user: Any, case: Any) -> Any:
    """The party row that is ``user`` (their person, or their company), or None."""
    if not _active(user):
        return None
    person_id = getattr(user, "person_id", None)
    org_ids: set[int] = set()
    for s in user.scope_set(Role.COMPANY_STAFF):
        if s.kind == "org":
            org_ids.add(s.node_id)
    for p in case.parties.all():
        if person_id and p.person_id == person_id and user.has_role(Role.RESIDENT):
            return p
        if p.org_id and p.org_id in org_ids:
            return p
    return None


def is_staff(user: Any, case: Any) -> bool:
    """Those the parties' satisfaction judges: they never rate."""
    return is_mediator(user, case) or is_supervisor(user, case)


def can_read_file(user: Any, case: Any) -> bool:
    """The case file (卷宗): the mediators and the supervising roles only."""
    return is_mediator(user, case) or is_supervisor(user, case)


class View(enum.StrEnum):
    FILE = "file"  # the whole case file: mediators and supervisors (each read logged)
    PARTY = "party"  # the party's own case: no session notes, no other party's data


def view_of(user: Any, case: Any) -> View | None:
    if can_read_file(user, case):
        return View.FILE
    if is_party(user, case):
        return View.PARTY
    return None


def can_open_at(user: Any, place: Any) -> bool:
    """Register a petition or open a dispute case at ``place`` (a community or compound)."""
    return covers(user, place, INTAKE_ROLES)


def can_open_from_request(user: Any, request: Any) -> bool:
    """转调解: the dispatchers of the request's place (community staff, street officer)."""
    return covers(user, request, (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.SYSADMIN))


def can_see_stats(user: Any) -> bool:
    return _active(user) and user.has_role(*SUPERVISORS)
