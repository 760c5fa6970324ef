"""The audit log and the PII access log: append-only in the database, hash-chained,
verifiable (``audit_verify``) and exportable (``audit_export``, admin actions)."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
from collections.abc import Iterator

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from redprop.core.audit import chain_verify, export_lines
from redprop.core.chain import GENESIS, AppendOnlyError, chain_existing_rows
from redprop.core.models import AuditEvent, AuditLog
from redprop.people.models import PiiAccessLog
from redprop.people.services import person_reveal

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only"
)


@contextlib.contextmanager
def triggers_off(table: str) -> Iterator[None]:
    """Tamper the way an attacker with the table owner's rights would: switch the
    append-only trigger off (SQLite has none; raw SQL goes straight through)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cur:
        # Deferred foreign-key checks pending in the test's transaction block ALTER.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")


def raw(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params or [])


def verify(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def reveal(world, n: int = 1) -> None:
    for _ in range(n):
        person_reveal(
            person=world.resident,
            field="mobile",
            reason="上门维修联系",
            acting_user=world.users["community_staff"],
        )


# --- the chain ---------------------------------------------------------------------


def test_rows_are_chained_from_genesis(world):
    rows = list(AuditLog.objects.order_by("pk"))
    assert len(rows) > 10
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    assert len({r.row_hash for r in rows}) == len(rows)
    assert chain_verify(AuditLog).ok


def test_audit_verify_passes_on_an_intact_chain(world):
    reveal(world, 2)
    out = verify()
    assert f"audit: ok, {AuditLog.objects.count()} rows" in out
    assert "pii: ok, 2 rows" in out


def test_audit_verify_fails_on_an_edited_row(world):
    """Change one field of a middle row behind the triggers' back: the chain breaks there."""
    victim = AuditLog.objects.order_by("pk")[3]
    with triggers_off("core_auditlog"):
        raw("UPDATE core_auditlog SET target_id = %s WHERE id = %s", ["999", victim.pk])
    with pytest.raises(CommandError):
        verify("--log", "audit")
    report = chain_verify(AuditLog)
    assert (report.broken_at, report.reason) == (victim.pk, "row_hash")


def test_audit_verify_fails_on_a_deleted_row(world):
    reveal(world, 3)
    middle = PiiAccessLog.objects.order_by("pk")[1]
    with triggers_off("people_piiaccesslog"):
        raw("DELETE FROM people_piiaccesslog WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError, match="pii"):
        verify()
    report = chain_verify(PiiAccessLog)
    assert report.reason == "prev_hash"


def test_audit_verify_fails_on_a_rehashed_row(world):
    """Recomputing the edited row's own hash is not enough: the next row still
    points at the old one."""
    rows = list(AuditLog.objects.order_by("pk")[:3])
    with triggers_off("core_auditlog"):
        raw("UPDATE core_auditlog SET row_hash = %s WHERE id = %s", ["f" * 64, rows[1].pk])
    report = chain_verify(AuditLog)
    assert report.broken_at in (rows[1].pk, rows[2].pk)
    assert not report.ok


def test_existing_rows_are_chained_by_the_migration_function(world):
    """Rows from before the chain (empty hashes) get a valid chain."""
    reveal(world, 2)
    with triggers_off("people_piiaccesslog"):
        raw("UPDATE people_piiaccesslog SET prev_hash = '', row_hash = ''")
        assert not chain_verify(PiiAccessLog).ok
        chained = chain_existing_rows(
            PiiAccessLog, label="people.piiaccesslog", fields=PiiAccessLog.CHAIN_FIELDS
        )
    assert chained == 2
    assert chain_verify(PiiAccessLog).ok
    reveal(world)  # new rows continue the migrated chain
    assert chain_verify(PiiAccessLog).ok


# --- append-only --------------------------------------------------------------------


@pytest.mark.parametrize("model", [AuditLog, PiiAccessLog])
def test_queryset_update_and_delete_are_refused(world, model):
    reveal(world)
    count = model.objects.count()
    field = "reason" if model is PiiAccessLog else "target_id"
    with pytest.raises(AppendOnlyError):
        model.objects.all().update(**{field: "x"})
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=model.objects.first().pk).delete()
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_update(list(model.objects.all()[:1]), ["at"])
    with pytest.raises(AppendOnlyError):
        model.objects.bulk_create([model()])
    # Django's internal paths (the deletion collector, related access) use the base
    # manager: it refuses too.
    with pytest.raises(AppendOnlyError):
        model._base_manager.all().delete()
    with pytest.raises(AppendOnlyError):
        model._base_manager.all().update(**{field: "x"})
    row = model.objects.first()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    assert model.objects.count() == count
    assert chain_verify(model).ok


@on_postgres
@pytest.mark.parametrize(
    ("table", "sql"),
    [
        ("core_auditlog", "UPDATE core_auditlog SET target_id = 'x'"),
        ("core_auditlog", "DELETE FROM core_auditlog"),
        ("people_piiaccesslog", "UPDATE people_piiaccesslog SET reason = 'x'"),
        ("people_piiaccesslog", "DELETE FROM people_piiaccesslog"),
    ],
)
def test_trigger_refuses_raw_update_and_delete(world, table, sql):
    reveal(world)
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        raw(sql)
    assert chain_verify(AuditLog).ok and chain_verify(PiiAccessLog).ok


@on_postgres
def test_trigger_refuses_deleting_old_rows_too(world):
    """Retention: nothing is ever deleted, whatever its age (no purge exists)."""
    import datetime as dt

    from django.utils import timezone

    old = AuditLog.objects.create(
        at=timezone.now() - dt.timedelta(days=400),
        event_type=AuditEvent.ADMIN_CHANGE,
        target_type="core.auditlog",
        target_id="0",
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM core_auditlog WHERE at < now() - interval '180 days'")
    assert AuditLog.objects.filter(pk=old.pk).exists()


# --- export -------------------------------------------------------------------------


def test_export_command_jsonl_is_audited_and_reverifiable(world):
    reveal(world, 2)
    out = io.StringIO()
    call_command("audit_export", "--log", "pii", "--format", "jsonl", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in records] == list(
        PiiAccessLog.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert records[0]["prev_hash"] == GENESIS
    assert records[1]["prev_hash"] == records[0]["row_hash"]
    assert records[0]["reason"] == "上门维修联系"
    # The export itself is in the audit log.
    row = AuditLog.objects.filter(event_type=AuditEvent.AUDIT_EXPORTED).get()
    assert row.target_type == "people.piiaccesslog"
    assert row.extra["format"] == "jsonl"
    assert row.extra["via"] == "command"


def test_export_jsonl_recomputes_to_the_stored_hashes(world):
    """The exported fields are the canonical ones the digest covers."""
    from redprop.core.chain import row_digest

    lines = list(export_lines(AuditLog, fmt="jsonl"))
    prev = GENESIS
    for line in lines:
        record = json.loads(line)
        values = {k: record[k] for k in AuditLog.CHAIN_FIELDS}
        assert (
            row_digest(prev_hash=prev, label="core.auditlog", values=values) == (record["row_hash"])
        )
        prev = record["row_hash"]


def test_export_csv_has_a_header_and_one_line_per_row(world, tmp_path):
    target = tmp_path / "audit.csv"
    call_command("audit_export", "--log", "audit", "--format", "csv", "--output", str(target))
    text = target.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,prev_hash,row_hash,at,actor_id,event_type")
    # Rows may hold line breaks inside quoted JSON; count through the csv reader.
    import csv

    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) - 1 == AuditLog.objects.count()  # the export row included


def test_export_command_rejects_a_bad_date(world):
    with pytest.raises(CommandError):
        call_command("audit_export", "--log", "audit", "--since", "2026-13-01")


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("sysadmin", True), ("housing_bureau", True), ("community_staff", False)],
)
def test_admin_export_action_for_bureau_and_admin_only(world, role, allowed):
    reveal(world)
    client = world.client(role)
    before = AuditLog.objects.filter(event_type=AuditEvent.AUDIT_EXPORTED).count()
    ids = [str(pk) for pk in PiiAccessLog.objects.values_list("pk", flat=True)]
    response = client.post(
        "/admin/people/piiaccesslog/",
        {"action": "export_jsonl", "_selected_action": ids},
    )
    exported = AuditLog.objects.filter(event_type=AuditEvent.AUDIT_EXPORTED)
    if allowed:
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        assert json.loads(body.splitlines()[0])["field"] == "mobile"
        row = exported.latest("pk")
        assert row.actor == world.users[role]
        assert (row.extra["via"], row.extra["count"]) == ("admin", 1)
    else:
        assert response.status_code in (302, 403)
        assert exported.count() == before
