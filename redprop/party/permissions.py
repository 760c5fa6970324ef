"""Who is who to the party-building records (scope AND relationship).

* ``is_company`` — staff of the property company the record belongs to: register its
  members, propose a branch, set posts, submit decisions for supervision, withdraw or
  close its own submissions;
* ``is_committee`` — community staff of the community whose party committee the record
  is filed with (and the system administrator): approve or reject a branch, give the
  opinion on a submitted decision, reveal membership (people.policies);
* ``is_overseer`` — the street office and the housing bureau over the place: read.
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS, Scope


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _in(scope: Scope, obj: Any) -> bool:
    if scope.kind == "all":
        return True
    if scope.kind in TERRITORY_LEVELS:
        return getattr(obj, f"{scope.kind}_id", None) == scope.node_id
    return False


def is_company(user: Any, obj: Any) -> bool:
    return _active(user) and any(
        s.kind == "org" and s.node_id == obj.company_id for s in user.scope_set(Role.COMPANY_STAFF)
    )


def is_committee(user: Any, obj: Any) -> bool:
    return _active(user) and any(
        (s.kind == "community" and s.node_id == obj.community_id) or s.kind == "all"
        for s in user.scope_set(Role.COMMUNITY_STAFF, Role.SYSADMIN)
    )


def is_overseer(user: Any, obj: Any) -> bool:
    return _active(user) and any(
        _in(s, obj) for s in user.scope_set(Role.STREET_OFFICER, Role.HOUSING_BUREAU)
    )


def can_view(user: Any, obj: Any) -> bool:
    return is_company(user, obj) or is_committee(user, obj) or is_overseer(user, obj)


# Who reaches the party pages and API at all.
PAGE_ROLES = (
    Role.COMPANY_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)
# Who sees coverage by street (street and bureau roles, and the community's own desk).
COVERAGE_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU, Role.SYSADMIN)
# Who records members, posts and supervision for a company: its staff; the community
# desk records for the companies in its community.
RECORD_ROLES = (Role.COMPANY_STAFF, Role.COMMUNITY_STAFF, Role.SYSADMIN)
# Who manages cross-appointments: the community desk (the residents' committee seat).
APPOINTMENT_ROLES = (Role.COMMUNITY_STAFF, Role.SYSADMIN)
