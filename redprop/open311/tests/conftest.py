from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from redprop.open311 import services
from redprop.open311.models import ServiceAttribute
from redprop.requests.models import Category, RoutingRule

# 幸福小区 (in 径河街道) and 桥西小区 (in the sibling street), WGS-84, about 2 km apart.
HOME = (Decimal("30.640500"), Decimal("114.179600"))
OTHER = (Decimal("30.628000"), Decimal("114.195000"))


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate-limit windows live in the cache, which outlives a test's database."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def o311(world: Any) -> Any:
    """The world with coordinates, a key for 径河街道, and one service that asks a
    question (which floor, required; a multi-value list of what is leaking)."""
    world.compound.lat, world.compound.lng = HOME
    world.compound.save(update_fields=["lat", "lng"])
    world.compound_b.lat, world.compound_b.lng = OTHER
    world.compound_b.save(update_fields=["lat", "lng"])
    key, raw = services.key_issue(
        name="12345 热线", region=world.street, acting_user=world.users["sysadmin"]
    )
    leak = Category.objects.get(code="seepage")
    ServiceAttribute.objects.create(
        category=leak,
        code="floor",
        datatype="singlevaluelist",
        required=True,
        order=1,
        description="哪一层？",
        values=[{"key": "1", "name": "一楼"}, {"key": "top", "name": "顶楼"}],
    )
    ServiceAttribute.objects.create(
        category=leak,
        code="where",
        datatype="multivaluelist",
        required=False,
        order=2,
        description="哪里渗水？",
        values=[{"key": "roof", "name": "屋顶"}, {"key": "wall", "name": "外墙"}],
    )
    # The street dispatches leaks to the red company at once (a routing rule is data).
    RoutingRule.objects.create(
        category=leak, region=world.street, org=world.company, auto_dispatch=True
    )
    world.key, world.raw_key = key, raw
    world.leak = leak
    return world
