"""Where a thing is: the scope columns of any territory node."""

from __future__ import annotations

from typing import Any

SCOPE_COLUMNS = ("city_id", "district_id", "street_id", "community_id", "grid_id")


def scope_columns_of(node: Any) -> dict[str, int | None]:
    """The ancestor ids of a Region, Grid, Compound, Building or Unit.

    A compound spans grids, so its grid column is empty; a building and its units
    belong to the building's grid.
    """
    from redprop.territory.models import Building, Compound, Grid, Region, Unit

    cols = {key: getattr(node, key) for key in SCOPE_COLUMNS}
    if isinstance(node, Region):
        cols[f"{node.level}_id"] = node.pk
        cols["grid_id"] = None
    elif isinstance(node, Grid):
        cols["grid_id"] = node.pk
    elif isinstance(node, Compound):
        cols["grid_id"] = None
    elif isinstance(node, (Building, Unit)):
        pass
    else:  # pragma: no cover - programming error
        raise TypeError(f"not a territory node: {node!r}")
    return cols
