"""Who may do what to a notice: scope AND relationship.

* ``can_target(user, node)`` — the author's scope holds the place: community staff
  their community, street officers their street, a grid's butler their grid, a
  property company the compounds it serves (and their buildings), the sysadmin all;
* ``is_publisher`` — an author role whose scope holds the notice's place: edits,
  publishes, pins and withdraws it;
* ``is_staff_reader`` — any staff role whose scope holds it: reads drafts and the
  reach (unread per building, for the grid worker's door-to-door follow-up);
* ``is_audience`` — a person living in (or owning a home in) the target: receives it,
  reads a private notice, and their reading counts (已读回执);
* ``is_clock`` — the expiry sweep (no user).
"""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.core.scope import TERRITORY_LEVELS, Scope

AUTHOR_ROLES = (
    Role.COMMUNITY_STAFF,
    Role.STREET_OFFICER,
    Role.GRID_BUTLER,
    Role.COMPANY_STAFF,
    Role.SYSADMIN,
)
STAFF_READER_ROLES = tuple(r for r in Role if r not in (Role.RESIDENT, Role.HOTLINE))


def _active(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def _scope_holds_place(scope: Scope, cols: dict[str, Any], company_id: int | None) -> bool:
    if scope.kind == "all":
        return True
    if scope.kind in TERRITORY_LEVELS:
        return cols.get(f"{scope.kind}_id") == scope.node_id
    if scope.kind == "org":
        return company_id is not None and company_id == scope.node_id
    return False


def node_company_id(node: Any) -> int | None:
    """The property company serving a compound or building (None for other places)."""
    from redprop.territory.models import Building, Compound

    if isinstance(node, Compound):
        return node.company_id
    if isinstance(node, Building):
        return node.compound.company_id
    return None


def can_target(user: Any, node: Any) -> bool:
    """Whether ``user`` may address a notice to the territory ``node``."""
    from redprop.territory.places import scope_columns_of

    if not _active(user):
        return False
    cols = scope_columns_of(node)
    company = node_company_id(node)
    return any(_scope_holds_place(s, cols, company) for s in user.scope_set(*AUTHOR_ROLES))


def _notice_cols(notice: Any) -> dict[str, Any]:
    cols = {f"{k}_id": getattr(notice, f"{k}_id") for k in TERRITORY_LEVELS}
    return cols


def _notice_company(notice: Any) -> int | None:
    return notice.compound.company_id if notice.compound_id else None


def is_publisher(user: Any, notice: Any) -> bool:
    if not _active(user):
        return False
    cols, company = _notice_cols(notice), _notice_company(notice)
    return any(_scope_holds_place(s, cols, company) for s in user.scope_set(*AUTHOR_ROLES))


def is_staff_reader(user: Any, notice: Any) -> bool:
    if not _active(user):
        return False
    cols, company = _notice_cols(notice), _notice_company(notice)
    return any(_scope_holds_place(s, cols, company) for s in user.scope_set(*STAFF_READER_ROLES))


def is_audience(user: Any, notice: Any) -> bool:
    """A person of the target: lives in or owns a unit there. Driven from the person's
    own few rows (two indexed queries at most), never from the target's units."""
    from redprop.notices.choices import UNIT_COLUMN, TargetLevel
    from redprop.territory.models import Occupancy, Ownership

    person_id = getattr(user, "person_id", None)
    if not _active(user) or not person_id:
        return False
    where = {f"unit__{UNIT_COLUMN[TargetLevel(notice.target_level)]}": notice.target_id}
    return (
        Occupancy.objects.filter(person_id=person_id, **where).exists()
        or Ownership.objects.filter(person_id=person_id, **where).exists()
    )


def is_clock(user: Any, notice: Any) -> bool:
    return user is None


def can_read(user: Any, notice: Any) -> bool:
    """The notice page: staff of its place always; a live public notice anyone; a live
    private notice only the people of its target."""
    if is_staff_reader(user, notice):
        return True
    if not notice.is_live():
        return False
    if notice.is_public:
        return True
    return is_audience(user, notice)
