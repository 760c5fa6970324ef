"""core.rows: the hot-path insert and prepared reads give what the ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redprop.core.rows import Prepared, insert
from redprop.requests.models import Category, RequestEvent, ServiceRequest
from redprop.requests.services import request_file
from redprop.territory.models import Unit

pytestmark = pytest.mark.django_db


def _filed(world):
    cat = Category.objects.get(code="pipe_dredging")
    return request_file(
        acting_user=world.users["resident"], category=cat, description="下水道堵", unit=world.unit
    )


def _columns(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_insert_writes_what_save_writes(world):
    """Same columns, same values (defaults, JSON, datetimes, FKs), one statement for n rows."""
    r = _filed(world)
    at = timezone.now().replace(microsecond=123456)
    by_save = RequestEvent(request=r, kind="note", at=at, note="说明", data={"a": [1, "二"]})
    by_save.save()
    fast = [
        RequestEvent(request=r, kind="note", at=at, note="说明", data={"a": [1, "二"]})
        for _ in range(3)
    ]
    with CaptureQueriesContext(connection) as ctx:
        insert(fast)
    assert len(ctx.captured_queries) == 1
    assert all(e.pk and not e._state.adding for e in fast)
    assert [e.pk for e in fast] == sorted(e.pk for e in fast)
    expected = _columns(RequestEvent.objects.get(pk=by_save.pk))
    for e in fast:
        got = _columns(RequestEvent.objects.get(pk=e.pk))
        assert {**got, "id": None} == {**expected, "id": None}


def test_insert_takes_the_pk_of_a_parent_saved_after_assignment(world):
    r = _filed(world)
    parent = ServiceRequest(**{k: v for k, v in _columns(r).items() if k != "id"})
    child = RequestEvent(request=parent, kind="filed")  # parent has no pk yet
    insert([parent])
    insert([child])
    assert RequestEvent.objects.get(pk=child.pk).request_id == parent.pk


def test_prepared_returns_what_the_queryset_returns(world):
    def build(pk):
        return Unit.objects.select_related(
            "building", "compound__company", "grid__maintenance_worker"
        ).filter(pk=pk)

    prepared = Prepared(build, pk=int)
    for unit in (world.unit, world.unit_b):
        via_orm = build(unit.pk).get()
        (fast,) = prepared.run(pk=unit.pk)
        assert _columns(fast) == _columns(via_orm)
        assert _columns(fast.compound) == _columns(via_orm.compound)
        assert _columns(fast.building) == _columns(via_orm.building)
        assert fast.compound.company_id == via_orm.compound.company_id
        if via_orm.compound.company_id:
            assert _columns(fast.compound.company) == _columns(via_orm.compound.company)
        assert fast.grid.maintenance_worker == via_orm.grid.maintenance_worker
        assert isinstance(fast.created_at, dt.datetime) and timezone.is_aware(fast.created_at)
    assert prepared.run(pk=-1) == []


def test_prepared_runs_one_statement_and_compiles_once(world):
    prepared = Prepared(lambda pk: Unit.objects.select_related("compound").filter(pk=pk), pk=int)
    prepared.run(pk=world.unit.pk)
    compiled = prepared._compiled[connection.alias]
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(3):
            prepared.run(pk=world.unit_b.pk)
    assert len(ctx.captured_queries) == 3
    assert prepared._compiled[connection.alias] is compiled


def test_prepared_refuses_a_parameter_the_orm_transforms():
    """A value the ORM rewrites (here "x" becomes "x%" for startswith) cannot be swapped
    later for another value: refused when the query is prepared, not silently wrong."""
    prepared = Prepared(lambda prefix: Unit.objects.filter(label__startswith=prefix), prefix=str)
    with pytest.raises(ValueError, match="not bound"):
        prepared.run(prefix="1")
