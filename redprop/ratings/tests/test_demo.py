"""The demo's ratings (redprop/demo/seed/ratings.py) on a small seeded foundation."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.demo.seed import run_seed
from redprop.demo.seed.ratings import WITHDRAW_REASON, seed_ratings
from redprop.orgs.choices import CompanyType
from redprop.ratings import selectors
from redprop.ratings.choices import Stage
from redprop.ratings.models import Assessment

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 11, 7)


def test_jiayuguan_rated_last_year_with_a_withdrawal_and_wuhan_waits_for_its_committee():
    ctx = run_seed(seed=1, scale=0.02, today=TODAY, registered=False)
    seed_ratings(ctx)
    last = Assessment.objects.filter(city=ctx.cities["jiayuguan"], cycle__year=2024)
    assert last.count() == 3
    red = last.get(company__company_type=CompanyType.RED)
    assert red.stage == Stage.CERTIFIED and red.stars >= 3
    # The red centre serves 19 compounds at scale 1 (seed 000); the named ones at any scale.
    assert red.company.served_compounds.count() >= 4
    withdrawn = last.get(stage=Stage.WITHDRAWN)
    assert withdrawn.withdraw_reason == WITHDRAW_REASON
    public = {e.company for e in selectors.public_list()}
    assert red.company.name in public and withdrawn.company.name not in public
    this_year = Assessment.objects.filter(city=ctx.cities["jiayuguan"], cycle__year=2025)
    assert set(this_year.values_list("stage", flat=True)) == {Stage.SELF}
    wuhan = Assessment.objects.get(
        city=ctx.cities["wuhan"], cycle__year=2025, stage=Stage.COMMUNITY
    )
    assert wuhan.events.filter(kind="send_back").count() == 1
    # The demo company login sees its own; the demo bureau sees Wuhan's.
    company = ctx.users["company_staff"]
    assert list(selectors.assessments_for(user=company)) == [wuhan]
    assert wuhan in selectors.assessments_for(user=ctx.users["housing_bureau"])
