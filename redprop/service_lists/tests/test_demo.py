"""The demo's service lists (redprop/demo/seed/service_lists.py) on a small foundation."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.demo.seed import run_seed
from redprop.demo.seed.service_lists import seed_service_lists
from redprop.service_lists import selectors
from redprop.service_lists.models import ServiceItem

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 7)


def test_erqiaoxi_and_the_focus_community_have_two_sided_lists() -> None:
    ctx = run_seed(seed=1, scale=0.3, today=TODAY, registered=False)
    seed_service_lists(ctx)
    erqiaoxi = next(c for c in ctx.communities if c.name == "二桥西社区")
    focus = ctx.focus["community"]
    for community in (erqiaoxi, focus):
        items = ServiceItem.objects.filter(community_id=community.pk)
        assert set(items.values_list("side", flat=True)) == {"need", "resource"}
        assert items.filter(status="done").exclude(completion_note="").exists()
        assert items.filter(care="elderly_alone", beneficiary__isnull=False).exists()
    assert ServiceItem.objects.filter(spawned_request__isnull=False).exists()
    # The demo unit login (the focus street's water company) sees the focus list.
    # (On the demo's day: its agreements run three years from their signing.)
    from django.utils import timezone

    from redprop.core import clock

    noon = timezone.make_aware(dt.datetime.combine(TODAY, dt.time(12)))
    with clock.travel(lambda: noon):
        unit = ctx.users["unit_staff"]
        assert selectors.item_list(user=unit, side="need").exists()
