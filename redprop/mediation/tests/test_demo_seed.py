"""The demo's year of cases: Puyang's 110+ cases at 95 %+ satisfaction, played through
the real services (so deadlines, timelines and counts hold)."""

import datetime as dt

import pytest
from django.utils import timezone

from redprop.demo.seed import run_seed
from redprop.demo.seed.mediation import PUYANG_YEAR, seed_mediation
from redprop.mediation import selectors
from redprop.mediation.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def test_a_year_of_cases_for_puyang_with_high_satisfaction():
    ctx = run_seed(seed=5, scale=0.1, registered=False)
    seed_mediation(ctx)
    puyang = ctx.cities["puyang"]
    cases = Case.objects.filter(city=puyang)
    assert cases.count() == ctx.k(PUYANG_YEAR)
    assert len(set(cases.values_list("source", flat=True))) >= 2
    assert cases.filter(status__in=["agreed", "closed", "answered"]).count() > cases.count() * 0.6
    # Every case has its registration on the timeline, and none ends before it began.
    assert CaseEvent.objects.filter(kind="registered").count() == Case.objects.count()
    scope = ctx.users["sysadmin"].scope_set()
    now = timezone.now()
    rows = selectors.case_counts(
        scope=scope, node=puyang, since=now - dt.timedelta(days=400), until=now
    )
    total = selectors.total(rows)
    assert total.cases == cases.count()
    assert total.rated > 0 and total.satisfied / total.rated >= 0.85
    # The Jinghe desk login has cases to work on.
    assert Case.objects.filter(mediators__user=ctx.users["community_staff"]).exists()
