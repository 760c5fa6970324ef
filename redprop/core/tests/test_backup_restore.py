"""Restore drill (恢复演练): bin/backup, then bin/restore into a fresh database, and the
two compared — every table's row count and content checksum, the uploaded files, and
personal information still decrypting. A restore with the wrong keys or a damaged
dump is refused before anything is written. PostgreSQL only (pg_dump/pg_restore)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from redprop.accounts.choices import Role
from redprop.conftest import ADULT_MOBILE
from redprop.core import crypto
from redprop.people.models import Person

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="pg_dump/pg_restore: PostgreSQL runs only",
    ),
]
ROOT = Path(settings.BASE_DIR)


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _run(
    script: str, *args: str, db: str, media: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 -- our own scripts
        [str(ROOT / "bin" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _url(db),
            "REDPROP_MEDIA_ROOT": str(media),
            **env,
        },
    )


def _files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def restore_db():
    name = f"{connection.settings_dict['NAME']}_restore"
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_restore_drill(world, tmp_path, restore_db):
    from redprop.requests.models import Category
    from redprop.requests.services import request_file

    for i in range(3):
        request_file(
            acting_user=world.users[Role.RESIDENT],
            category=Category.objects.get(code="pipe_dredging"),
            description=f"恢复演练 {i}",
            unit=world.unit,
        )
    media = tmp_path / "media"
    (media / "photos" / "2026").mkdir(parents=True)
    (media / "photos" / "2026" / "a.jpg").write_bytes(os.urandom(5000))
    (media / "exports" / "报表.xlsx").parent.mkdir(parents=True)
    (media / "exports" / "报表.xlsx").write_bytes(b"PK" + os.urandom(300))

    made = _run(
        "backup", str(tmp_path / "backups"), db=connection.settings_dict["NAME"], media=media
    )
    assert made.returncode == 0, made.stderr
    backup_dir = Path(made.stdout.strip().splitlines()[-1])
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"]["requests_servicerequest"]["rows"] == 3
    assert manifest["media_files"] == 2
    # The keys are not in the backup, only their fingerprints.
    everything = b"".join(p.read_bytes() for p in backup_dir.iterdir())
    for key in settings.REDPROP_PII_KEYS:
        assert key.encode() not in everything

    restored_media = tmp_path / "restored-media"
    done = _run("restore", str(backup_dir), db=restore_db, media=restored_media)
    assert done.returncode == 0, done.stderr
    assert "restored and verified" in done.stdout
    assert _files(restored_media) == _files(media)

    import psycopg

    with psycopg.connect(_url(restore_db)) as restored:
        n = restored.execute(
            "SELECT count(*) FROM requests_servicerequest WHERE description LIKE '恢复演练%%'"
        ).fetchone()[0]
        mobile_enc = restored.execute(
            "SELECT mobile_enc FROM people_person WHERE id = %s", (world.resident.pk,)
        ).fetchone()[0]
    assert n == 3
    assert crypto.decrypt(mobile_enc) == ADULT_MOBILE
    assert Person.objects.get(pk=world.resident.pk).mobile_enc != ""

    # Restoring again into the now non-empty database is refused.
    again = _run("restore", str(backup_dir), db=restore_db, media=tmp_path / "m2")
    assert again.returncode != 0 and "not empty" in again.stderr


def test_a_restore_with_other_keys_or_a_damaged_dump_is_refused(world, tmp_path, restore_db):
    media = tmp_path / "media"
    made = _run("backup", str(tmp_path / "b"), db=connection.settings_dict["NAME"], media=media)
    assert made.returncode == 0, made.stderr
    backup_dir = Path(made.stdout.strip().splitlines()[-1])

    from cryptography.fernet import Fernet

    other = _run("restore", str(backup_dir), db=restore_db, media=tmp_path / "m",
                 REDPROP_PII_KEYS=Fernet.generate_key().decode())  # fmt: skip
    assert other.returncode != 0 and "REDPROP_PII_KEYS" in other.stderr

    dump = backup_dir / "db.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    damaged = _run("restore", str(backup_dir), db=restore_db, media=tmp_path / "m")
    assert damaged.returncode != 0 and "SHA-256" in damaged.stderr
    import psycopg

    with psycopg.connect(_url(restore_db)) as target:  # nothing was written into it
        tables = target.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
        ).fetchone()[0]
    assert tables == 0
