"""Who is who to an assessment (scope AND relationship):

* ``is_company`` — staff of the assessed property company: fill the self-assessment,
  upload evidence, submit;
* ``is_committee`` — community staff of the community whose party committee assesses
  it (the assessment's place): score, send back to the company, forward to the bureau;
* ``is_bureau`` — the housing bureau over its city (and the system administrator):
  review, send back to the committee, certify, withdraw;
* ``is_overseer`` — the street office over its place: reads, acts on nothing.

A company never scores its own stars beyond the self-assessment; nobody but the bureau
certifies. Checks run in Python against the row's columns (no query beyond the user's
roles, which are cached on the user).
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


def is_company(user: Any, assessment: Any) -> bool:
    return _active(user) and any(
        s.kind == "org" and s.node_id == assessment.company_id
        for s in user.scope_set(Role.COMPANY_STAFF)
    )


def is_committee(user: Any, assessment: Any) -> bool:
    return _active(user) and any(
        s.kind == "community" and s.node_id == assessment.community_id
        for s in user.scope_set(Role.COMMUNITY_STAFF)
    )


def is_bureau(user: Any, assessment: Any) -> bool:
    return _active(user) and any(
        _in(s, assessment) for s in user.scope_set(Role.HOUSING_BUREAU, Role.SYSADMIN)
    )


def is_overseer(user: Any, assessment: Any) -> bool:
    return _active(user) and any(_in(s, assessment) for s in user.scope_set(Role.STREET_OFFICER))


def can_view(user: Any, assessment: Any) -> bool:
    return (
        is_company(user, assessment)
        or is_committee(user, assessment)
        or is_bureau(user, assessment)
        or is_overseer(user, assessment)
    )


# Who may open a cycle for a city: the bureau over it.
CYCLE_ROLES = (Role.HOUSING_BUREAU, Role.SYSADMIN)
# Who reaches the ratings pages at all.
PAGE_ROLES = (
    Role.COMPANY_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)
