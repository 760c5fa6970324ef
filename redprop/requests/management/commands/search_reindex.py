"""Rewrite ``ServiceRequest.search_text`` where it differs from the tokenizer's output.

Needed only after a change of ``redprop.requests.search.document_tokens`` (or for
rows written behind the services' back, e.g. a bulk import by SQL). Idempotent;
batches by id, so it can run on a live database.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Refill the description search tokens (search_text) of service requests."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        from redprop.requests.models import ServiceRequest
        from redprop.requests.search import reindex

        changed = reindex(ServiceRequest, batch=options["batch"])
        self.stdout.write(f"search_text rewritten on {changed} requests")
