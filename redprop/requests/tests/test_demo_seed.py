"""The demo's year of requests: played through the real services, so its rollups hold."""

from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from redprop.accounts.models import User
from redprop.requests import selectors
from redprop.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_demo_year_follows_the_erqiaoxi_mix_and_rollups_match():
    call_command("seed_demo", seed=3, scale=0.05, verbosity=0)
    counts = Counter(ServiceRequest.objects.values_list("category__code", flat=True))
    assert counts.most_common(1)[0][0] == "public_repair"  # 412 of Erqiaoxi's year
    assert counts["public_repair"] > counts["paid_repair"] > counts["seepage"]
    assert ServiceRequest.objects.exclude(status="closed").exists()  # a live morning
    street = User.objects.get(username="demo_street").scope_set()
    month_to = timezone.localdate().replace(day=1)
    month_from = month_to.replace(year=month_to.year - 1)
    fast = selectors.rates(scope=street, month_from=month_from, month_to=month_to)[0]
    fast.pop("key")
    assert fast == selectors.rates_naive(scope=street, month_from=month_from, month_to=month_to)
    assert fast["filed"] > 0
