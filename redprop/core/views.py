"""/healthz: can this deployment do its work? The database, the clock, the outbox relay,
the task worker."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger("redprop.health")

DEFAULT_MAX_AGE_S = 120


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when all is well, 503 naming the failing part.

    ``{"status": "ok", "database": "ok", "clock": "ok", "clock_age_s": 7.2,
    "outbox": "ok", "outbox_age_s": 3.1, "worker": "ok", "worker_age_s": 12.0}``.
    The clock and the outbox relay must have beaten within
    ``REDPROP_HEARTBEAT_MAX_AGE_SECONDS`` (120 s); the task worker must answer a
    ping within the same time ("pending" while a first ping is on its way is
    healthy). Warnings the apps register (``redprop.core.health``: next year's
    holidays not loaded, from 1 November) are listed in ``warnings`` and keep the
    status 200. ``?scope=web`` checks the database only: for a load balancer that
    must not take every app process out because the clock stopped.
    """
    from redprop.core import health, tasks

    body: dict[str, Any] = {"status": "ok"}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        body["database"] = "ok"
        if request.GET.get("scope") == "web":
            return JsonResponse(body)
        max_age = float(getattr(settings, "REDPROP_HEARTBEAT_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_S))
        now = timezone.now()
        beats = tasks.read_beats()
        for part in ("clock", "outbox"):
            beat = beats.get(part)
            if beat is None:
                body.update({part: "missing", f"{part}_age_s": None})
            else:
                age = (now - beat.at).total_seconds()
                body.update(
                    {part: "ok" if age <= max_age else "stale", f"{part}_age_s": round(age, 1)}
                )
        worker = tasks.worker_state(beats=beats, now=now, max_age_s=max_age)
        body.update(
            worker=worker.state,
            worker_age_s=None if worker.age_s is None else round(worker.age_s, 1),
        )
        if worker.ping_wait_s is not None:
            body["worker_ping_wait_s"] = round(worker.ping_wait_s, 1)
        found = health.warnings()
        if found:
            body.update(found)
            body["warnings"] = sorted(found)
    except DatabaseError as exc:
        log.warning("healthz: database unavailable: %s", exc.__class__.__name__)
        body.update(database="fail", error=exc.__class__.__name__)
    failing = [
        part
        for part, ok in (
            ("database", ("ok",)),
            ("clock", ("ok",)),
            ("outbox", ("ok",)),
            ("worker", ("ok", "pending")),
        )
        if part in body and body[part] not in ok
    ]
    if failing:
        body["status"] = "fail"
        body["failing"] = failing
        return JsonResponse(body, status=503)
    return JsonResponse(body)
