"""Who may do what in a campaign: scope AND relationship.

* ``can_organise(user, node)`` — community staff (their community), street officers
  (their street), the sysadmin: launch a campaign over that area, close it;
* ``is_organiser(user, campaign)`` — the same roles over the campaign's area;
* ``is_finder(user, campaign, place)`` — who patrols: staff whose territory scope holds
  the place (community, street, the building's grid), and the staff of a
  participating unit (the police station, the housing office, the property company);
* ``is_inspector(user, item)`` — community staff, street officers and the grid's
  butler over the item's place, the sysadmin: assign, verify, reject;
* ``is_fixer(user, item)`` — the assignee, the staff of the assigned unit, the
  sysadmin: fix with an after-photo.

Verification is by *another person* than who fixed it (``services.item_verify``).
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.campaigns.choices import (
    INSPECTOR_ROLES,
    ORGANISER_ROLES,
    READER_ROLES,
    UNIT_ROLES,
)
from redprop.core.scope import TERRITORY_LEVELS


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _territory_holds(user: Any, roles: tuple[str, ...], cols: dict[str, Any]) -> bool:
    for s in user.scope_set(*roles):
        if s.kind == "all":
            return True
        if s.kind in TERRITORY_LEVELS and cols.get(f"{s.kind}_id") == s.node_id:
            return True
    return False


def _cols(obj: Any) -> dict[str, Any]:
    return {f"{k}_id": getattr(obj, f"{k}_id", None) for k in TERRITORY_LEVELS}


def _unit_orgs(user: Any) -> set[int]:
    return {s.node_id for s in user.scope_set(*UNIT_ROLES) if s.kind == "org"}


def can_organise(user: Any, node: Any) -> bool:
    from redprop.territory.places import scope_columns_of

    return _active(user) and _territory_holds(user, ORGANISER_ROLES, scope_columns_of(node))


def is_organiser(user: Any, campaign: Any) -> bool:
    return _active(user) and _territory_holds(user, ORGANISER_ROLES, _cols(campaign))


def participates(user: Any, campaign: Any) -> bool:
    orgs = _unit_orgs(user) if _active(user) else set()
    return bool(orgs) and campaign.units.filter(org_id__in=orgs).exists()


def is_finder(user: Any, campaign: Any, place: dict[str, Any]) -> bool:
    if not _active(user):
        return False
    return _territory_holds(user, INSPECTOR_ROLES, place) or participates(user, campaign)


def is_inspector(user: Any, item: Any) -> bool:
    return _active(user) and _territory_holds(user, INSPECTOR_ROLES, _cols(item))


def is_fixer(user: Any, item: Any) -> bool:
    if not _active(user):
        return False
    if item.assignee_id is not None and item.assignee_id == user.pk:
        return True
    if item.assigned_org_id is not None and item.assigned_org_id in _unit_orgs(user):
        return True
    return user.has_role(Role.SYSADMIN)


def can_read_campaign(user: Any, campaign: Any) -> bool:
    """Staff whose scope holds the area or lies inside it, and participating units."""
    from redprop.campaigns.selectors import campaigns_visible

    return _active(user) and campaigns_visible(user=user).filter(pk=campaign.pk).exists()


def can_read_item(user: Any, item: Any) -> bool:
    if not _active(user):
        return False
    if _territory_holds(user, READER_ROLES, _cols(item)):
        return True
    return item.assigned_org_id in _unit_orgs(user) or participates(user, item.campaign)
