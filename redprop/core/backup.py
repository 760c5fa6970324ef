"""Backups (备份) and restores (恢复): ``bin/backup`` and ``bin/restore``.

A backup is a directory ``redprop-<UTC time>/`` holding

* ``db.dump`` — ``pg_dump --format=custom`` of the whole database, taken from an
  exported snapshot, so it is consistent with the figures below even while the
  service runs;
* ``media.tar.gz`` — the uploaded files (photos, report exports) under ``MEDIA_ROOT``;
* ``manifest.json`` — per table the row count and a checksum of its content computed
  in that same snapshot, the SHA-256 of both files, the applied migrations, and
  *fingerprints* of the encryption keys (``REDPROP_PII_KEYS``,
  ``REDPROP_BLIND_INDEX_KEY``).

The keys themselves are never in a backup: a stolen backup then holds only ciphertext
for ID numbers and mobiles. They are kept apart (a secrets store, or printed and
sealed), and without them a backup's personal information is lost. ``restore`` checks
the fingerprints before it touches anything, checks the files' SHA-256, restores into
an **empty** database (``pg_restore --single-transaction --exit-on-error``) and an
empty media directory, then recomputes every table's count and checksum and compares
them with the manifest. See docs/reliability.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

FORMAT = 1


class BackupError(Exception):
    """The backup or restore was refused or failed; nothing half-done is left behind."""


def _pg_tool(name: str) -> str:
    bindir = os.environ.get("PG_BIN")
    return str(Path(bindir) / name) if bindir else (shutil.which(name) or name)


def _pg_args() -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    args = ["-h", str(db["HOST"] or "127.0.0.1"), "-p", str(db["PORT"] or 5432)]
    if db["USER"]:
        args += ["-U", str(db["USER"])]
    env = {**os.environ}
    if db["PASSWORD"]:
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return [*args, "-d", str(db["NAME"])], env


def _require_postgresql() -> None:
    if connection.vendor != "postgresql":
        raise BackupError("bin/backup and bin/restore work on PostgreSQL only")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def key_fingerprints() -> dict[str, Any]:
    """Which keys the data needs, without the keys: a truncated SHA-256 of each."""

    def fp(key: str | bytes) -> str:
        raw = key.encode() if isinstance(key, str) else key
        return hashlib.sha256(b"redprop-key-fingerprint:" + raw).hexdigest()[:16]

    return {
        "pii_keys": [fp(k) for k in settings.REDPROP_PII_KEYS],
        "blind_index_key": fp(settings.REDPROP_BLIND_INDEX_KEY),
    }


def table_stats() -> dict[str, dict[str, Any]]:
    """Rows and a content checksum per table (order-independent), in the current
    transaction's snapshot."""
    stats: dict[str, dict[str, Any]] = {}
    with connection.cursor() as cur:
        tables = sorted(connection.introspection.table_names(cur))
        for table in tables:
            q = connection.ops.quote_name(table)
            cur.execute(
                f"SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), ''))"  # noqa: S608 -- table names from the catalogue
                f" FROM (SELECT md5(t::text) AS h FROM {q} t) s"
            )
            rows, digest = cur.fetchone()
            stats[table] = {"rows": rows, "md5": digest}
    return stats


def _migrations() -> dict[str, str]:
    with connection.cursor() as cur:
        cur.execute("SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app")
        return dict(cur.fetchall())


def backup(out: Path) -> Path:
    """Write a backup directory under ``out`` and return it."""
    _require_postgresql()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out / f"redprop-{stamp}"
    partial = out / f".redprop-{stamp}.partial"
    partial.mkdir(parents=True)
    try:
        args, env = _pg_args()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            stats = table_stats()
            migrations = _migrations()
            # The dump reads the same snapshot while this transaction holds it open.
            subprocess.run(  # noqa: S603 -- pg_dump with our own arguments
                [_pg_tool("pg_dump"), *args, "--format=custom", "--no-owner",
                 "--no-privileges", f"--snapshot={snapshot}", "-f", str(partial / "db.dump")],
                env=env, check=True, capture_output=True, text=True,
            )  # fmt: skip
        media_root = Path(settings.MEDIA_ROOT)
        media_files = 0
        with tarfile.open(partial / "media.tar.gz", "w:gz") as tar:
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media_root)))
                        media_files += 1
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": connection.settings_dict["NAME"],
            "migrations": migrations,
            "tables": stats,
            "media_files": media_files,
            "files": {name: sha256_file(partial / name) for name in ("db.dump", "media.tar.gz")},
            "keys": key_fingerprints(),
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        partial.rename(target)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise BackupError(f"pg_dump failed: {exc.stderr.strip()}") from exc
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return target


def check_keys(manifest: dict[str, Any]) -> None:
    """Refuse a restore whose personal information the configured keys cannot read."""
    have = key_fingerprints()
    missing = [k for k in manifest["keys"]["pii_keys"] if k not in have["pii_keys"]]
    if missing:
        raise BackupError(
            "REDPROP_PII_KEYS lacks the key(s) with fingerprint "
            + ", ".join(missing)
            + ": the restored ID numbers and mobiles could not be decrypted"
        )
    if manifest["keys"]["blind_index_key"] != have["blind_index_key"]:
        raise BackupError(
            "REDPROP_BLIND_INDEX_KEY differs from the backup's: lookups by ID number "
            "or mobile would find nothing"
        )


def verify(manifest: dict[str, Any]) -> list[str]:
    """Differences between the database and the manifest's tables (empty: identical)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        now = table_stats()
    expected = manifest["tables"]
    diffs = []
    for table in sorted(set(expected) | set(now)):
        if expected.get(table) != now.get(table):
            diffs.append(f"{table}: backup {expected.get(table)} restored {now.get(table)}")
    return diffs


def restore(source: Path) -> dict[str, Any]:
    """Restore a backup directory into the (empty) configured database and media root."""
    _require_postgresql()
    manifest_path = source / "manifest.json"
    if not manifest_path.is_file():
        raise BackupError(f"{source} is not a backup (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    check_keys(manifest)
    for name, digest in manifest["files"].items():
        if sha256_file(source / name) != digest:
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: damaged")
    with connection.cursor() as cur:
        if connection.introspection.table_names(cur):
            raise BackupError(
                f"database {connection.settings_dict['NAME']} is not empty: restore into a new one"
            )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty: restore into an empty media directory")
    args, env = _pg_args()
    connection.close()  # pg_restore's transaction must see no session of ours
    try:
        subprocess.run(  # noqa: S603 -- pg_restore with our own arguments
            [_pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--exit-on-error",
             "--single-transaction", str(source / "db.dump")],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"pg_restore failed (nothing restored): {exc.stderr.strip()}") from exc
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar.gz", "r:gz") as tar:
        tar.extractall(media_root, filter="data")  # no absolute paths, no "..", no devices
    diffs = verify(manifest)
    if diffs:
        raise BackupError("restored data differs from the backup:\n" + "\n".join(diffs))
    files = sum(1 for p in media_root.rglob("*") if p.is_file())
    if files != manifest["media_files"]:
        raise BackupError(f"{files} media files restored, the backup has {manifest['media_files']}")
    return {
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "media_files": files,
    }
