"""Reads of deletion requests."""

from __future__ import annotations

from typing import Any

from redprop.privacy.choices import ErasureStatus
from redprop.privacy.models import ErasureRequest


def erasure_requests_of(*, person: Any) -> list[ErasureRequest]:
    """The person's own requests, newest first (the resident's page)."""
    return list(ErasureRequest.objects.filter(person=person).order_by("-created_at", "-id"))


def erasure_pending(*, person: Any) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(person=person, status=ErasureStatus.PENDING).first()
