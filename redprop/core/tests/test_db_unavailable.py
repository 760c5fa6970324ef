"""The database unreachable: 503 with Retry-After (JSON for the API, a page for people),
/healthz names the database, the background loops back off and carry on.

The outage is real: the connection is pointed at a port where nothing listens (or, on
SQLite, at a file in a directory that does not exist) and closed, so the next query
fails to connect, as when PostgreSQL is down. The whole stack under a real outage:
test_serve_faults.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

from redprop.accounts.choices import Role
from redprop.core.resilience import Backoff, run_forever

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def database_unreachable() -> Iterator[None]:
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]
        connection.settings_dict.update(HOST="127.0.0.1", PORT=closed_port)
    else:
        connection.settings_dict["NAME"] = "/nonexistent/redprop/unreachable.sqlite3"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_the_api_answers_503_json_with_retry_after(world):
    token_client = world.client(Role.COMPANY_STAFF)  # logged in while the database was up
    with database_unreachable():
        response = token_client.get("/api/v1/requests")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert body["field"] is None
    assert "稍后" in body["message"]
    # Back up: the same client works again without anything restarted.
    assert token_client.get("/api/v1/requests").status_code == 200


def test_an_english_client_reads_the_message_in_english(world):
    english = world.client(Role.COMPANY_STAFF)
    with database_unreachable():
        response = english.get("/api/v1/requests", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert "try again" in response.json()["message"].lower()


def test_pages_answer_a_503_page_not_a_500(world):
    page_client = world.client(Role.COMPANY_STAFF)
    with database_unreachable():
        response = page_client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert "服务暂时不可用" in response.content.decode()


def test_healthz_names_the_database(world):
    with database_unreachable():
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["database"] == "fail"
    assert body["failing"] == ["database"]


def test_a_background_loop_backs_off_logs_and_carries_on(world, caplog):
    """run_forever (the clock, the relay): passes fail while the database is away, are
    retried after a growing pause, and the loop logs when the database is back."""
    pauses: list[float] = []
    passes: list[str] = []
    outage = database_unreachable()
    outage.__enter__()

    def step() -> float:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        passes.append("ok")
        if len(passes) == 2:
            raise SystemExit  # the end of this test's loop
        return 0.0

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 4:
            outage.__exit__(None, None, None)  # the database comes back

    with caplog.at_level(logging.WARNING, logger="test.loop"), pytest.raises(SystemExit):
        run_forever(step, log=logging.getLogger("test.loop"), name="test", sleep=sleep)
    assert passes == ["ok", "ok"]
    assert len(pauses) == 4  # four failed tries, then it worked
    assert pauses == sorted(pauses) or max(pauses) <= 8
    messages = [r.getMessage() for r in caplog.records]
    assert sum("database unavailable" in m for m in messages) == 4
    assert any("database back after" in m for m in messages)


def test_once_mode_raises_the_database_error(world):
    with database_unreachable(), pytest.raises(OperationalError):
        run_forever(lambda: connection.cursor().execute("SELECT 1") or 0.0,
                    log=logging.getLogger("test.loop"), name="test", once=True)  # fmt: skip


def test_backoff_grows_and_is_capped():
    b = Backoff(base=0.5, cap=8)
    waits = [b.failed() for _ in range(8)]
    assert all(0.25 <= w <= 8 for w in waits)
    assert waits[-1] >= 4  # at the cap: between cap/2 and cap
    assert b.succeeded() is not None
    assert b.succeeded() is None
