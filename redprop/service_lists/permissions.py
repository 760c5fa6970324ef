"""Who is who to a service-list item (scope AND relationship).

* ``can_view`` — the community's list is read by its staff and those above (street,
  bureau, sysadmin), the grid workers of its grids, the residents who live in it, and
  the staff of the units that build with it (a 共建协议 in force, or a compound the
  property company serves there);
* ``is_claimant`` — who may claim the item (双向认领) — depends on its side: a *need*
  is claimed by the staff of a co-building unit of the community (for their unit); a
  *resource* by a resident, a grid worker or the community's staff (for someone), never
  by the unit that offers it;
* ``is_holder`` — who claimed it: the person, or any staff member of the claiming unit:
  start, complete with evidence, hand back;
* ``is_poster`` — who posted it (or staff of the offering unit): cancel;
* ``is_coordinator`` — community staff, street officers over the community, the
  sysadmin: cancel, hand back a stalled claim, turn a need into a service request.

The user's communities are computed once per request and cached on the user object.
"""

from __future__ import annotations

from typing import Any

from redprop.core.roles import Role
from redprop.core.scope import TERRITORY_LEVELS
from redprop.service_lists.choices import (
    COORDINATOR_ROLES,
    GRID_ROLES,
    UNIT_ROLES,
    VIEW_ROLES,
    Side,
)

TERRITORY_VIEW_ROLES = (
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.HOUSING_BUREAU,
    Role.SYSADMIN,
)
_CACHE = "_service_lists_cache"


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _cached(user: Any, key: str, compute: Any) -> Any:
    cache = user.__dict__.setdefault(_CACHE, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def cols(obj: Any) -> dict[str, Any]:
    return {f"{k}_id": getattr(obj, f"{k}_id", None) for k in TERRITORY_LEVELS}


def territory_holds(user: Any, roles: tuple[str, ...], place: dict[str, Any]) -> bool:
    for s in user.scope_set(*roles):
        if s.kind == "all":
            return True
        if s.kind in TERRITORY_LEVELS and place.get(f"{s.kind}_id") == s.node_id:
            return True
    return False


def unit_orgs(user: Any) -> frozenset[int]:
    """The organisations whose staff ``user`` is (co-building units, companies)."""
    return _cached(
        user,
        "orgs",
        lambda: frozenset(s.node_id for s in user.scope_set(*UNIT_ROLES) if s.kind == "org"),
    )


def org_communities(user: Any) -> dict[int, frozenset[int]]:
    """Org id → the communities it builds with (for each of the user's orgs)."""

    def compute() -> dict[int, frozenset[int]]:
        from redprop.service_lists.models import cobuilding_sources

        return {
            org_id: frozenset(
                c
                for source in cobuilding_sources(org_id)
                for c in source.values_list("community_id", flat=True)
            )
            for org_id in unit_orgs(user)
        }

    return _cached(user, "org_communities", compute)


def grid_communities(user: Any) -> frozenset[int]:
    def compute() -> frozenset[int]:
        from redprop.territory.models import Grid

        grids = [s.node_id for s in user.scope_set(*GRID_ROLES) if s.kind == "grid"]
        if not grids:
            return frozenset()
        return frozenset(Grid.objects.filter(pk__in=grids).values_list("community_id", flat=True))

    return _cached(user, "grid_communities", compute)


def resident_communities(user: Any) -> frozenset[int]:
    def compute() -> frozenset[int]:
        from django.db.models import Q

        from redprop.territory.models import Unit

        people = [s.node_id for s in user.scope_set(Role.RESIDENT) if s.kind == "resident"]
        if not people:
            return frozenset()
        return frozenset(
            Unit.objects.filter(
                Q(occupants__person_id__in=people) | Q(owners__person_id__in=people)
            ).values_list("community_id", flat=True)
        )

    return _cached(user, "resident_communities", compute)


def cobuilding_orgs_in(user: Any, community_id: int | None) -> list[int]:
    """The user's organisations that build with ``community_id`` (sorted ids)."""
    return sorted(o for o, cs in org_communities(user).items() if community_id in cs)


# --- relationships -------------------------------------------------------------------


def can_view(user: Any, item: Any) -> bool:
    if not _active(user) or not user.has_role(*VIEW_ROLES):
        return False
    if territory_holds(user, TERRITORY_VIEW_ROLES, cols(item)):
        return True
    community = item.community_id
    if community in grid_communities(user) or community in resident_communities(user):
        return True
    orgs = unit_orgs(user)
    if item.offered_by_id in orgs or item.claimed_org_id in orgs:
        return True
    return bool(cobuilding_orgs_in(user, community))


def is_coordinator(user: Any, item: Any) -> bool:
    return _active(user) and territory_holds(user, COORDINATOR_ROLES, cols(item))


def is_poster(user: Any, item: Any) -> bool:
    if not _active(user):
        return False
    return item.posted_by_id == user.pk or (
        item.offered_by_id is not None and item.offered_by_id in unit_orgs(user)
    )


def is_claimant(user: Any, item: Any) -> bool:
    if not _active(user):
        return False
    if item.side == Side.NEED:
        return bool(cobuilding_orgs_in(user, item.community_id))
    if item.offered_by_id is not None and item.offered_by_id in unit_orgs(user):
        return False
    if item.community_id in resident_communities(user):
        return True
    if item.community_id in grid_communities(user):
        return True
    return territory_holds(user, (Role.COMMUNITY_STAFF,), cols(item))


def is_holder(user: Any, item: Any) -> bool:
    if not _active(user) or item.claimed_by_id is None:
        return False
    return item.claimed_by_id == user.pk or (
        item.claimed_org_id is not None and item.claimed_org_id in unit_orgs(user)
    )


# --- posting -------------------------------------------------------------------------


def can_post_need(user: Any, place: dict[str, Any], compound_id: int | None) -> bool:
    """A resident for a compound they live in; a grid worker in their grid's community;
    the community's staff (and the sysadmin) in their territory."""
    if not _active(user):
        return False
    if territory_holds(user, (Role.COMMUNITY_STAFF, Role.SYSADMIN), place):
        return True
    if place.get("community_id") in grid_communities(user):
        return True
    if compound_id is not None and user.has_role(Role.RESIDENT) and user.person_id:
        from redprop.territory.selectors import lives_in_compound

        return lives_in_compound(person_id=user.person_id, compound_id=compound_id)
    return False


def offer_orgs(user: Any, place: dict[str, Any]) -> list[int]:
    """The user's units that may offer a resource in the place's community."""
    return cobuilding_orgs_in(user, place.get("community_id")) if _active(user) else []


def can_offer_for_volunteers(user: Any, place: dict[str, Any]) -> bool:
    """Community staff list what volunteers offer (no unit)."""
    return _active(user) and territory_holds(user, (Role.COMMUNITY_STAFF, Role.SYSADMIN), place)


def may_see_evidence(user: Any, item: Any) -> bool:
    """The photos of a visit to someone in care (一老一小) may show them or their home:
    only who did it, who asked for it and the community see them. Other items' photos
    are for every reader of the list."""
    if not item.care and item.beneficiary_id is None and item.claimed_for_id is None:
        return True
    return is_holder(user, item) or is_poster(user, item) or is_coordinator(user, item)
