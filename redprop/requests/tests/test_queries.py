"""Lean by design: intake in a handful of statements; lists in a fixed number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from redprop.requests import selectors, services
from redprop.requests.models import Category
from redprop.requests.tests.helpers import file_request

pytestmark = pytest.mark.django_db


def test_intake_statement_count(world):
    cat = Category.objects.get(code="pipe_dredging")
    services.request_file(
        acting_user=world.users["resident"], category=cat, description="预热", unit=world.unit
    )
    user = world.users["resident"]
    with CaptureQueriesContext(connection) as ctx:
        services.request_file(
            acting_user=user, category=cat, description="下水道堵塞", unit=world.unit
        )
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE")]
    assert len(writes) <= 4, writes  # request, event, stats (update), nothing else
    assert len(ctx.captured_queries) <= 14, [q["sql"][:80] for q in ctx.captured_queries]


def test_list_and_detail_query_count_is_constant(world, django_assert_max_num_queries):
    for _ in range(3):
        file_request(world)
    scope = world.users["community_staff"].scope_set()
    with django_assert_max_num_queries(1):
        small = list(selectors.request_list(scope=scope)[:20])
        [(r.category.name, r.compound and r.compound.name, r.handling_org) for r in small]
    for _ in range(20):
        file_request(world)
    with django_assert_max_num_queries(1):
        big = list(selectors.request_list(scope=scope)[:20])
        [(r.category.name, r.compound and r.compound.name, r.handling_org) for r in big]
    rid = big[0].pk
    with django_assert_max_num_queries(3):
        r = selectors.request_get(scope=scope, request_id=rid)
        list(r.events.all())
        list(r.photos.all())
