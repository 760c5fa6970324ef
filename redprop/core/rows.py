"""Writing and reading rows on hot paths without recompiling SQL for every call.

The ORM compiles each statement anew: on the 2-core machines RedProp is measured
on, that is 0.3–2 ms of CPU per statement, against 0.04 ms to run it. The intake
(``requests.services.request_file``) runs a handful of statements per request, so:

* ``insert`` keeps the INSERT text per (model, row count) and converts each value
  exactly as the ORM would (``Field.pre_save`` then ``Field.get_db_prep_save``);
* ``Prepared`` compiles a queryset once per process and runs the same SQL with new
  parameter values, building model instances with the ORM's own row machinery.

See docs/adr/0006-lean-intake.md. Everything else uses the ORM as it is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Generic, TypeVar

from django.db import connection, connections, models
from django.db.models.fields import AutoFieldMixin
from django.db.models.query import (  # type: ignore[attr-defined]  # not in django-stubs
    ModelIterable,
    QuerySet,
    get_related_populators,
)

M = TypeVar("M", bound=models.Model)


@cache
def _insert_fields(model: type[models.Model]) -> tuple[models.Field[Any, Any], ...]:
    return tuple(
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, AutoFieldMixin))
    )


# Field classes whose get_db_prep_save returns a value of this exact Python type
# unchanged, on every backend (CharField: str(), IntegerField: int(), BooleanField:
# bool(), a key to an integer primary key: int()). Subclasses are not assumed to.
_IDENTITY: dict[type, type] = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.IntegerField: int,
    models.SmallIntegerField: int,
    models.BigIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}


@cache
def _converters(model: type[models.Model]) -> tuple[tuple[Any, str, bool, type | None], ...]:
    """Per insert field: (field, attname, calls pre_save, the type that needs no
    conversion or None). ``pre_save`` matters only where a field class overrides it
    (``auto_now``, files)."""
    out = []
    for f in _insert_fields(model):
        plain = _IDENTITY.get(type(f))
        if isinstance(f, models.ForeignKey) and type(f.target_field) in (
            models.AutoField,
            models.BigAutoField,
        ):
            plain = int
        own_pre_save = type(f).pre_save is not models.Field.pre_save
        out.append((f, f.attname, own_pre_save, plain))
    return tuple(out)


@cache
def _insert_sql(model: type[models.Model], rows: int, vendor: str) -> str:
    qn = connection.ops.quote_name
    fields = _insert_fields(model)
    columns = ", ".join(qn(f.column) for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = qn(model._meta.pk.column)
    # Names come from the model's metadata, values are bound parameters.
    return (
        f"INSERT INTO {qn(model._meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([one] * rows)} RETURNING {pk}"
    )


def insert(objs: Sequence[M]) -> list[M]:
    """INSERT unsaved ``objs`` (all of one model) in one statement; set their primary keys.

    Fields get their values as ``Model.save()`` would give them (defaults from
    ``__init__``, ``auto_now`` from ``pre_save``); no signals are sent. Rows come back
    in the order given (PostgreSQL and SQLite ≥ 3.35 return them in VALUES order, as
    Django's ``bulk_create`` also relies on).
    """
    if not objs:
        return []
    model = type(objs[0])
    params: list[Any] = []
    for obj in objs:
        # As save() does: a related object saved after it was assigned lends its pk.
        obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
        for f, attname, own_pre_save, plain in _converters(model):
            value = f.pre_save(obj, True) if own_pre_save else getattr(obj, attname)
            if value is None or (plain is not None and type(value) is plain):
                params.append(value)  # what get_db_prep_save would return
            else:
                params.append(f.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(objs), connection.vendor), params)
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) != len(objs):  # pragma: no cover - a driver that does not return rows
        raise RuntimeError(f"INSERT returned {len(ids)} ids for {len(objs)} rows")
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objs)


class Prepared(Generic[M]):
    """A queryset the ORM compiles once per process, then runs with new values.

    ``build`` takes the parameters as keyword arguments and returns a queryset
    (filters, ``select_related``, slicing; no ``values()``, no ``prefetch_related``).
    It is called once, with a distinct marker value per parameter: each marker
    must reach the compiled SQL as one bound parameter, which is checked, so a
    parameter that the ORM would inline or transform is refused at preparation.
    ``kinds`` gives each parameter's type (``int`` or ``str``) for its marker.

    ``run(**values)`` returns the model instances, with their ``select_related``
    objects attached, exactly as iterating the queryset would — without compiling.
    """

    _marker_seq = itertools.count(1)

    def __init__(self, build: Callable[..., QuerySet[M]], **kinds: type) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, tuple[Any, ...]] = {}

    def _compile(self, alias: str) -> tuple[Any, ...]:
        markers: dict[str, Any] = {}
        for param, kind in self.kinds.items():
            n = next(self._marker_seq)
            markers[param] = -(10**15) - n if kind is int else f"\x00rp:{param}:{n}"
        queryset = self.build(**markers).using(alias)
        plain = queryset._iterable_class is ModelIterable
        if queryset._prefetch_related_lookups or not plain:  # type: ignore[attr-defined]
            raise TypeError("Prepared needs a plain model queryset")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots: list[tuple[str | None, Any]] = []
        found: set[str] = set()
        by_value = {v: k for k, v in markers.items()}
        for value in params:
            name: str | None = by_value.get(value) if isinstance(value, (int, str)) else None
            slots.append((name, value))
            if name:
                found.add(name)
        missing = set(markers) - found
        if missing:
            raise ValueError(f"parameters not bound in the compiled SQL: {sorted(missing)}")
        klass_info = compiler.klass_info
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        init_list = [f[0].target.attname for f in compiler.select[start:end]]
        populators = get_related_populators(klass_info, compiler.select, alias)
        # What results_iter() would work out on every call: the per-column converters.
        converters = compiler.get_converters([c[0] for c in compiler.select[: compiler.col_count]])
        return (
            compiler,
            sql,
            slots,
            klass_info["model"],
            start,
            end,
            init_list,
            populators,
            converters,
        )

    def run(self, **values: Any) -> list[M]:
        alias = connection.alias
        compiled = self._compiled.get(alias)
        if compiled is None:
            compiled = self._compiled[alias] = self._compile(alias)
        compiler, sql, slots, model, start, end, init_list, populators, converters = compiled
        params = [values[name] if name else value for name, value in slots]
        with connections[alias].cursor() as cursor:
            cursor.execute(sql, params)
            fetched: Any = cursor.fetchall()
        if converters:
            fetched = compiler.apply_converters(fetched, converters)
        out: list[M] = []
        for row in fetched:
            obj = model.from_db(alias, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, **values: Any) -> M | None:
        found = self.run(**values)
        return found[0] if found else None
