"""Who is who to the office rota and to a hand-over (scope AND relationship).

* ``is_outgoing`` — the worker who wrote the hand-over (交班人): reads it;
* ``is_incoming`` — the worker it is handed to (接班人): acknowledges it (接班);
* ``may_edit_rota`` — the office's rostering organisation's desk: community staff of
  the community for a residents' committee, the company's desk staff for a company,
  or a sysadmin.

Roles: every worker role has 我的排班 (``WORKER_ROLES``); the roster reads are for
the staff inside their scope (``ROSTER_ROLES``); residents see 今日值班 of their own
communities only.
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.orgs.choices import OrgKind

WORKER_ROLES = (
    Role.GRID_BUTLER,
    Role.MAINTENANCE_WORKER,
    Role.COMPANY_STAFF,
    Role.UNIT_STAFF,
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
)
ROSTER_ROLES = (*WORKER_ROLES, Role.HOUSING_BUREAU, Role.SYSADMIN)


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_outgoing(user: Any, handover: Any) -> bool:
    return _active(user) and handover.from_user_id == user.pk


def is_incoming(user: Any, handover: Any) -> bool:
    return _active(user) and handover.to_user_id == user.pk


def may_edit_rota(user: Any, org: Any, community: Any) -> bool:
    """None is the system (seed, bench)."""
    if user is None:
        return True
    if not _active(user):
        return False
    for s in user.scope_set(Role.SYSADMIN, Role.COMMUNITY_STAFF, Role.COMPANY_STAFF):
        if s.kind == "all":
            return True
        if (
            org.kind == OrgKind.RESIDENTS_COMMITTEE
            and s.kind == "community"
            and s.node_id == community.pk
            and user.has_role(Role.COMMUNITY_STAFF)
        ):
            return True
        if org.kind == OrgKind.PROPERTY_COMPANY and s.kind == "org" and s.node_id == org.pk:
            return True
    return False
