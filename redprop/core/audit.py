"""Write audit rows (call inside the service's transaction), verify and export the logs.

The audit log and the PII access log are ``ChainedLog`` tables: append-only (a
queryset guard everywhere, a trigger on PostgreSQL) and hash-chained. See
docs/subsystems/core.md and docs/adr/0011-audit-chain-and-data-rights.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.forms.models import model_to_dict

from redprop.core.chain import ChainReport, canonical_value, verify_rows
from redprop.core.models import AuditEvent, AuditLog, ChainedLog

# The logs by their short name (commands, admin actions).
LOGS = {"audit": "core.AuditLog", "pii": "people.PiiAccessLog"}
EXPORT_FORMATS = ("csv", "jsonl")

# Never copied into audit rows: ciphertext and blind indexes say nothing useful
# and would spread personal data into a second table.
_SKIP_SUFFIXES = ("_enc", "_bidx")
# Never copied either: a user's password hash (and last login) is no business of the log.
_SKIP_FIELDS = frozenset({"password", "last_login"})


def snapshot(obj: models.Model | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = model_to_dict(obj)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key.endswith(_SKIP_SUFFIXES) or key in _SKIP_FIELDS:
            continue
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        out[key] = value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
    return out


def audit(
    *,
    actor: Any,
    event: AuditEvent,
    target: models.Model | type[models.Model],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> AuditLog:
    """Append one audit row. ``target`` is a row, or a model class for an act on a
    whole table (an export): then ``target_id`` is ``*`` and nothing is snapshotted."""
    if isinstance(target, type):
        target_id, default_after = "*", None
    else:
        target_id, default_after = str(target.pk), snapshot(target) if after is None else None
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        event_type=event,
        target_type=target._meta.label_lower,
        target_id=target_id,
        before=before,
        after=after if after is not None else default_after,
        extra=extra,
    )


# --- the chained logs ---------------------------------------------------------------


def chained_logs() -> list[type[ChainedLog]]:
    return [m for m in apps.get_models() if issubclass(m, ChainedLog)]


def log_model(name: str) -> type[ChainedLog]:
    model: type[ChainedLog] = apps.get_model(LOGS[name])
    return model


def chain_verify(model: type[ChainedLog]) -> ChainReport:
    """Walk one log's chain in id order (read-only; streams the rows)."""
    rows = model._base_manager.order_by("pk").iterator(chunk_size=2000)
    return verify_rows(rows, label=model._meta.label_lower, fields=model.CHAIN_FIELDS)


def _export_columns(model: type[ChainedLog]) -> list[str]:
    return ["id", "prev_hash", "row_hash", *model.CHAIN_FIELDS]


def _export_record(row: ChainedLog, columns: list[str]) -> dict[str, Any]:
    record = {"id": row.pk, "prev_hash": row.prev_hash, "row_hash": row.row_hash}
    for name in columns[3:]:
        record[name] = canonical_value(getattr(row, name))
    return record


def export_lines(
    model: type[ChainedLog],
    *,
    fmt: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    queryset: models.QuerySet[Any] | None = None,
) -> Iterator[str]:
    """The rows as CSV or JSON Lines, in id order, with their hashes: the fields are
    in the canonical form the digest covers, so a reader can re-verify the chain."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    qs = queryset if queryset is not None else model._base_manager.all()
    # Every chained log has an ``at`` column (the abstract base does not declare it).
    if since is not None:
        qs = qs.filter(**{"at__gte": since})
    if until is not None:
        qs = qs.filter(**{"at__lt": until})
    columns = _export_columns(model)
    rows = qs.order_by("pk").iterator(chunk_size=2000)
    if fmt == "jsonl":
        for row in rows:
            record = _export_record(row, columns)
            yield json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        record = _export_record(row, columns)
        writer.writerow(
            [
                json.dumps(v, ensure_ascii=False, sort_keys=True)
                if isinstance(v, (dict, list))
                else ("" if v is None else v)
                for v in record.values()
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():  # the header of an empty export
        yield buffer.getvalue()


@transaction.atomic
def audit_log_export(
    *,
    model: type[ChainedLog],
    fmt: str,
    acting_user: Any,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    ids: list[int] | None = None,
    via: str,
) -> Iterator[str]:
    """Record the export in the audit log (who, which log, which rows, how), then
    return the lines. The audit row is committed whether or not the lines are read."""
    extra: dict[str, Any] = {"log": model._meta.label_lower, "format": fmt, "via": via}
    if since is not None:
        extra["since"] = since.isoformat()
    if until is not None:
        extra["until"] = until.isoformat()
    queryset = None
    if ids is not None:
        extra["count"] = len(ids)
        queryset = model._base_manager.filter(pk__in=ids)
    audit(actor=acting_user, event=AuditEvent.AUDIT_EXPORTED, target=model, **extra)
    return export_lines(model, fmt=fmt, since=since, until=until, queryset=queryset)
