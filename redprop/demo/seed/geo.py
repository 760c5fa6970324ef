"""Where the demo's communities are: approximate WGS-84 points of the real places the
seeds describe (city-block accuracy, read off public maps and converted from GCJ-02),
and each compound set on a small ring around its community's point, so Open311
clients can file by coordinates (docs/api/open311.md)."""

from __future__ import annotations

import math
from decimal import Decimal

COMMUNITY_POINTS: dict[str, tuple[float, float]] = {
    # 嘉峪关市雄关区五一街道
    "祁连社区": (39.8046, 98.2862),
    "朝阳社区": (39.8000, 98.2950),
    "长城社区": (39.7958, 98.2795),
    # 濮阳市华龙区
    "中原社区": (35.7632, 115.0299),
    "龙都社区": (35.7700, 115.0402),
    "京开社区": (35.7561, 115.0155),
    # 武汉市东西湖区径河街道
    "稻香社区": (30.6405, 114.1796),
    "海景北社区": (30.6462, 114.1731),
    "径南社区": (30.6336, 114.1822),
    # 南宁市江南区江南街道
    "二桥西社区": (22.7914, 108.3100),
}

RING_M = 260.0  # compounds sit this far apart around the community's point
_M_PER_DEG_LAT = 111_320.0


def compound_point(community: str, index: int) -> tuple[Decimal, Decimal] | None:
    """The ``index``-th compound's point in ``community`` (the first at the centre,
    then rings of six, twelve, ... at ``RING_M`` spacing); ``None`` for a community the
    table does not know."""
    centre = COMMUNITY_POINTS.get(community)
    if centre is None:
        return None
    lat, lng = centre
    ring, slot, size = 0, index, 1
    while slot >= size:
        slot -= size
        ring += 1
        size = 6 * ring
    if ring:
        angle = 2 * math.pi * slot / size
        dy, dx = ring * RING_M * math.sin(angle), ring * RING_M * math.cos(angle)
        lat += dy / _M_PER_DEG_LAT
        lng += dx / (_M_PER_DEG_LAT * math.cos(math.radians(lat)))
    q = Decimal("0.000001")
    return Decimal(lat).quantize(q), Decimal(lng).quantize(q)
