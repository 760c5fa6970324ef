"""Bench databases: create and migrate one, build a territory through the services,
and load synthetic service requests fast with PostgreSQL COPY.

Used by bench/reads.py and bench/dashboards.py. Each benchmark owns its own
database (``redprop_bench_*``), dropped and created afresh on each run.
"""

from __future__ import annotations

import os

PG = os.environ.get("REDPROP_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")


def dsn(name: str) -> str:
    return f"{PG}/{name}"


def open_bench_db(name: str, *, fresh: bool = True) -> str:
    """Point Django at ``name`` (dropped and created when ``fresh``) and migrate it."""
    import psycopg

    if not name.startswith("redprop_bench"):
        raise ValueError("bench databases are named redprop_bench_*")
    if fresh:
        with psycopg.connect(dsn("postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = dsn(name)
    from bench.common import setup_django

    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return dsn(name)
