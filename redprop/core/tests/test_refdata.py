"""core.refdata: reference data kept per process, cleared by changes, bounded by a TTL."""

from __future__ import annotations

import pytest
from django.test import override_settings

from redprop.core import refdata
from redprop.requests import policies
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db


def test_a_value_is_loaded_once_until_it_expires():
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    assert refdata.get("t", "k", load) == 1
    assert refdata.get("t", "k", load) == 1
    assert refdata.get("t", "other", load) == 2
    refdata.clear("t")
    assert refdata.get("t", "k", load) == 3
    with override_settings(REDPROP_REFDATA_TTL=-1):  # stored already expired
        refdata.clear("t")
        assert refdata.get("t", "k", load) == 4
        assert refdata.get("t", "k", load) == 5


def test_clear_leaves_other_namespaces_alone():
    refdata.get("a", 1, lambda: "a")
    refdata.get("b", 1, lambda: "b")
    refdata.clear("a")
    assert refdata.get("a", 1, lambda: "A") == "A"
    assert refdata.get("b", 1, lambda: "B") == "b"


@pytest.mark.django_db(transaction=True)  # committed reference data, as in production
def test_saving_or_deleting_a_watched_model_clears_its_namespaces(world, django_assert_num_queries):
    cat = policies.category_by_code("pipe_dredging")
    with django_assert_num_queries(0):
        assert policies.category_by_code("pipe_dredging") is cat
    Category.objects.filter(code="pipe_dredging").update(name="改名")  # no signal: still cached
    assert policies.category_by_code("pipe_dredging").name == cat.name
    row = Category.objects.get(code="pipe_dredging")
    row.name = "管道疏通（新）"
    row.save()
    assert policies.category_by_code("pipe_dredging").name == "管道疏通（新）"
    row.is_active = False
    row.save()
    assert policies.category_by_code("pipe_dredging") is None


def test_changing_a_categorys_units_clears_the_cached_routes(world):
    cat = Category.objects.get(code="pipe_dredging")
    refdata.get(policies.REFDATA_ORGS, "probe", lambda: "cached")
    cat.handlers.add(world.company)
    assert refdata.get(policies.REFDATA_ORGS, "probe", lambda: "reloaded") == "reloaded"


def test_a_change_rolled_back_leaves_nothing_stale(world):
    """Inside the transaction that changes reference data, reads go to the database and
    nothing is cached; after a rollback the committed rows are read again, not what
    the transaction saw. (The dispatch simulation removes a roster this way.)"""
    from django.db import transaction

    from redprop.requests.models import RoutingRule

    rule = RoutingRule.objects.create(
        region=world.city, category=Category.objects.get(code="pipe_dredging")
    )
    assert len(policies._rules()) == 1

    class Undo(Exception):
        pass

    seen = []

    @transaction.atomic
    def change_then_fail():
        rule.delete()  # sends post_delete, as the admin and the services do
        seen.append(policies._rules())  # read through inside the transaction
        seen.append(policies._rules())
        raise Undo

    with pytest.raises(Undo):
        change_then_fail()
    assert seen == [{}, {}]
    assert len(policies._rules()) == 1  # the rolled-back delete is not remembered
