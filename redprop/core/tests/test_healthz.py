"""/healthz: database, clock and outbox-relay heartbeats, task-worker ping."""

import datetime as dt

import pytest
from django.utils import timezone

from redprop.core import tasks
from redprop.core.models import Heartbeat

pytestmark = pytest.mark.django_db


def _beat(name, seconds_ago, **info):
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"at": timezone.now() - dt.timedelta(seconds=seconds_ago), "info": info},
    )


def test_ok_when_clock_is_fresh_and_worker_answers(client):
    _beat("clock", 5)
    _beat("outbox", 2)
    first = client.get("/healthz")
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["clock"] == "ok"
    assert 4 <= body["clock_age_s"] < 60
    assert body["outbox"] == "ok"
    assert 1 <= body["outbox_age_s"] < 60
    # The first probe pings the worker; the test settings run tasks immediately,
    # so the worker has answered by the second probe.
    assert body["worker"] in ("ok", "pending")
    assert Heartbeat.objects.filter(name=tasks.WORKER).exists()
    second = client.get("/healthz").json()
    assert second["worker"] == "ok"
    assert second["worker_age_s"] < 60
    assert first["Cache-Control"].startswith("max-age=0")


def test_stale_clock_is_503(client):
    _beat("clock", 300)
    _beat("outbox", 2)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["clock"] == "stale"
    assert body["failing"] == ["clock"]
    assert body["database"] == "ok"


def test_missing_clock_is_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["clock"] == "missing"


def test_missing_or_stale_outbox_relay_is_503(client):
    """No relay running: notifications pile up undelivered, so the deployment is unwell."""
    _beat("clock", 5)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["outbox"] == "missing"
    assert "outbox" in response.json()["failing"]
    _beat("outbox", 300)
    body = client.get("/healthz").json()
    assert body["outbox"] == "stale" and "outbox" in body["failing"]


def test_age_limit_comes_from_settings(client, settings):
    settings.REDPROP_HEARTBEAT_MAX_AGE_SECONDS = 600
    _beat("clock", 300)
    _beat("outbox", 300)
    assert client.get("/healthz").status_code == 200


def test_unanswered_ping_is_503(client):
    _beat("clock", 5)
    _beat("outbox", 5)
    _beat(tasks.WORKER, 400)
    # Pinged 300 s ago, last (re)sent 10 s ago: no worker took the job.
    sent = (timezone.now() - dt.timedelta(seconds=10)).isoformat()
    _beat(tasks.PING, 300, sent=sent)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["worker"] == "stale"
    assert body["failing"] == ["worker"]
    assert body["worker_ping_wait_s"] >= 299


def test_ping_is_resent_once_per_period_and_answered(client):
    now = timezone.now()
    _beat(tasks.WORKER, 100)  # older than a quarter of 120 s: due for a ping
    state = tasks.worker_state(beats=tasks.read_beats(), now=now, max_age_s=120)
    assert state.state == "ok"  # answered 100 s ago: still within the limit
    ping = Heartbeat.objects.get(name=tasks.PING)
    assert ping.at == now
    # ImmediateBackend ran the heartbeat task: the worker row is newer than the ping.
    assert Heartbeat.objects.get(name=tasks.WORKER).at >= ping.at


def test_web_scope_checks_database_only(client):
    _beat("clock", 3000)
    response = client.get("/healthz?scope=web")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_only_get(client):
    assert client.post("/healthz").status_code == 405


# The database down (503, "database": "fail") is tested with a real outage, the
# connection pointed where nothing listens: test_db_unavailable.test_healthz_names_the_database.
