"""One view: look the Bearer token up, then write a request, an event and an outbox row
in one transaction with raw SQL. Validation is the minimum (JSON object, two strings)."""

from __future__ import annotations

import hashlib
import json

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_token (
    id bigserial PRIMARY KEY,
    key_hash char(64) NOT NULL UNIQUE,
    user_id bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS floor_request (
    id bigserial PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    filed_by bigint NOT NULL,
    category varchar(32) NOT NULL,
    description text NOT NULL,
    unit_id bigint,
    compound_id bigint,
    status varchar(16) NOT NULL DEFAULT 'submitted'
);
CREATE TABLE IF NOT EXISTS floor_event (
    id bigserial PRIMARY KEY,
    request_id bigint NOT NULL REFERENCES floor_request (id),
    at timestamptz NOT NULL DEFAULT now(),
    kind varchar(32) NOT NULL,
    actor_id bigint
);
CREATE INDEX IF NOT EXISTS floor_event_request ON floor_event (request_id);
CREATE TABLE IF NOT EXISTS floor_outbox (
    id bigserial PRIMARY KEY,
    kind varchar(64) NOT NULL,
    recipient_id bigint,
    payload jsonb NOT NULL,
    status varchar(16) NOT NULL DEFAULT 'pending',
    created_at timestamptz NOT NULL DEFAULT now()
);
"""


def request_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"error": "method"}, status=405)
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return JsonResponse({"error": "auth"}, status=401)
    digest = hashlib.sha256(auth[7:].encode()).hexdigest()
    try:
        body = json.loads(request.body)
        category, description = str(body["category"]), str(body["description"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "validation"}, status=400)
    with connection.cursor() as cur:
        cur.execute("SELECT user_id FROM floor_token WHERE key_hash = %s", [digest])
        row = cur.fetchone()
        if row is None:
            return JsonResponse({"error": "auth"}, status=401)
        user_id = row[0]
        with transaction.atomic():
            cur.execute(
                "INSERT INTO floor_request (filed_by, category, description, unit_id, compound_id)"
                " VALUES (%s, %s, %s, %s, %s) RETURNING id",
                [user_id, category, description, body.get("unit_id"), body.get("compound_id")],
            )
            request_id = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO floor_event (request_id, kind, actor_id) VALUES (%s, 'filed', %s)",
                [request_id, user_id],
            )
            cur.execute(
                "INSERT INTO floor_outbox (kind, recipient_id, payload) VALUES (%s, %s, %s)",
                ["request.filed", user_id, json.dumps({"request": request_id})],
            )
    return JsonResponse({"id": request_id, "status": "submitted"}, status=201)
