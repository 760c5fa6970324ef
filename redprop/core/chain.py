"""Append-only, hash-chained logs (the audit log and the PII access log).

Each row carries ``prev_hash`` (the ``row_hash`` of the row before it, by id) and
``row_hash`` = SHA-256 of ``prev_hash`` and the canonical JSON of the row's own
fields. Changing, inserting or removing a row in the middle breaks the chain at
that row; ``manage.py audit_verify`` walks it. See docs/adr/0011-audit-chain-and-data-rights.md.

The digest is part of the stored data: **never change** ``canonical_json`` or
``row_digest``, or every existing chain stops verifying (migrations import them).

Writers are serialised so that two never chain to the same previous row: on
PostgreSQL by one transaction-scoped advisory lock shared by every chained
table, on SQLite by the database's own write lock (``transaction_mode=IMMEDIATE``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connections, models

GENESIS = "0" * 64
# pg_advisory_xact_lock key: any fixed 64-bit number; the same for every chained
# table, so a transaction writing both logs cannot deadlock on two locks.
ADVISORY_LOCK_KEY = 0x5245_4450_4155_4449  # "REDPAUDI"


class AppendOnlyError(RuntimeError):
    """An UPDATE or DELETE of an append-only log row was attempted."""


def canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # Stored to the microsecond on both databases; compare in UTC.
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (dict, list, tuple)):
        # What a JSON column gives back: a round trip makes tuples lists, keys strings.
        return json.loads(json.dumps(value))
    return value


def canonical_json(values: dict[str, Any]) -> str:
    """Sorted keys, no whitespace, UTF-8 text: the same bytes on every database."""
    data = {key: canonical_value(value) for key, value in values.items()}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def row_digest(*, prev_hash: str, label: str, values: dict[str, Any]) -> str:
    payload = f"{label}\n{prev_hash}\n{canonical_json(values)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def row_values(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The hashed fields of a row (attnames: ``actor_id``, not ``actor``)."""
    return {name: getattr(obj, name) for name in fields}


def lock_chain(using: str) -> None:
    """Serialise chain writers until the end of the current transaction."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
    # SQLite: every transaction begins IMMEDIATE (settings), i.e. holds the
    # database's single write lock from its first statement: already serial.


@dataclass(frozen=True)
class ChainReport:
    label: str
    count: int
    head: str
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_rows(
    rows: Iterator[Any], *, label: str, fields: Iterable[str], start: str = GENESIS
) -> ChainReport:
    """Walk rows in id order; report the first whose link or digest is wrong."""
    fields = tuple(fields)
    prev, count = start, 0
    for row in rows:
        count += 1
        if row.prev_hash != prev:
            return ChainReport(label, count, prev, row.pk, "prev_hash")
        expected = row_digest(prev_hash=prev, label=label, values=row_values(row, fields))
        if row.row_hash != expected:
            return ChainReport(label, count, prev, row.pk, "row_hash")
        prev = row.row_hash
    return ChainReport(label, count, prev)


def chain_existing_rows(model: Any, *, label: str, fields: Iterable[str]) -> int:
    """Compute the chain of rows written before it existed (a data migration).

    Runs before the append-only trigger is installed; returns how many rows it
    chained. The one writer allowed past the queryset guard: it uses a plain
    queryset, not the model's managers (both guarded).
    """
    fields = tuple(fields)
    prev, count = GENESIS, 0
    manager: models.QuerySet[Any] = models.QuerySet(model=model)
    for row in manager.order_by("pk").iterator(chunk_size=2000):
        digest = row_digest(prev_hash=prev, label=label, values=row_values(row, fields))
        manager.filter(pk=row.pk).update(prev_hash=prev, row_hash=digest)
        prev, count = digest, count + 1
    return count
