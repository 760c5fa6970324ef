"""Where a thing is: the scope columns of any territory node.

Each node model says it itself (``place_columns``, the ``core.models.Place``
protocol that ``ScopedModel.set_place`` reads); this module holds the shared part.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redprop.core.models import Place, ScopedModel

SCOPE_COLUMNS = ("city_id", "district_id", "street_id", "community_id", "grid_id")


def own_columns(node: ScopedModel) -> dict[str, int | None]:
    """The node's own scope columns, as stored."""
    return {key: getattr(node, key) for key in SCOPE_COLUMNS}


def scope_columns_of(node: Place) -> dict[str, int | None]:
    """The ancestor ids of a Region, Grid, Compound, Building or Unit.

    A region's column for its own level points at itself; a compound spans grids,
    so its grid column is empty; a building and its units belong to the building's grid.
    """
    return node.place_columns()
