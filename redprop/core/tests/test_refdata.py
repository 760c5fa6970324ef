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
