"""Write audit rows. Call inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.forms.models import model_to_dict

from redprop.core.models import AuditEvent, AuditLog

# Never copied into audit rows: ciphertext and blind indexes say nothing useful
# and would spread personal data into a second table.
_SKIP_SUFFIXES = ("_enc", "_bidx")


def snapshot(obj: models.Model | None) -> dict[str, Any] | None:
    if obj is None:
        return None
    data = model_to_dict(obj)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key.endswith(_SKIP_SUFFIXES):
            continue
        if isinstance(value, list):
            value = [getattr(v, "pk", v) for v in value]
        out[key] = value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
    return out


def audit(
    *,
    actor: Any,
    event: AuditEvent,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    **extra: Any,
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        event_type=event,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        before=before,
        after=after if after is not None else snapshot(target),
        extra=extra,
    )
