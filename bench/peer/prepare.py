"""Run by bench/intake.py with the peer's own interpreter (var/bench/peer-venv).

``prepare.py data N CODES...``: one queue per category code and N staff users with DRF
tokens; prints JSON ``{"queues": {code: id}, "tokens": [...]}``.
``prepare.py queries BODY_JSON TOKEN``: one ticket create through the test client
with its SQL captured; prints JSON ``{"status": 201, "statements": [...]}``.
"""

from __future__ import annotations

import json
import os
import sys


def data(n: int, codes: list[str]) -> dict:
    from django.contrib.auth.models import User
    from helpdesk.models import Queue
    from rest_framework.authtoken.models import Token

    queues = {}
    for code in codes:
        q, _ = Queue.objects.get_or_create(
            slug=code.replace("_", "-"),
            defaults={
                "title": code,
                "new_ticket_cc": "desk@example.com",
                "allow_public_submission": True,
            },
        )
        queues[code] = q.pk
    tokens = []
    for i in range(n):
        user, _ = User.objects.get_or_create(
            username=f"desk{i}", defaults={"is_staff": True, "email": f"desk{i}@example.com"}
        )
        tokens.append(Token.objects.get_or_create(user=user)[0].key)
    return {"queues": queues, "tokens": tokens}


def queries(body: str, token: str) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    for _ in range(2):  # warm caches, then measure the third
        client.post(
            "/helpdesk/api/tickets/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    with CaptureQueriesContext(connection) as cq:
        response = client.post(
            "/helpdesk/api/tickets/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
    return {"status": response.status_code, "statements": [q["sql"] for q in cq.captured_queries]}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.peer.settings")
    import django

    django.setup()
    if sys.argv[1] == "data":
        out = data(int(sys.argv[2]), sys.argv[3:])
    else:
        out = queries(sys.argv[2], sys.argv[3])
    print(json.dumps(out))


if __name__ == "__main__":
    main()
