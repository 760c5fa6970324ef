"""What the fees models share: the append-only base (managers refuse ``update`` and
``delete``, instances a second ``save``) and the company scope of a compound's rows."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from redprop.core.chain import AppendOnlyError

# --- append-only -------------------------------------------------------------------------


class LedgerQuerySet(models.QuerySet):
    """Bulk inserts are allowed (the bill run); changes and deletions are not."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("fees ledger: rows cannot be changed")

    def delete(self) -> Any:
        raise AppendOnlyError("fees ledger: rows cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AppendOnlyError("fees ledger: rows cannot be changed")


LedgerManager = models.Manager.from_queryset(LedgerQuerySet)


class AppendOnly(models.Model):
    objects = LedgerManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("fees ledger: rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("fees ledger: rows cannot be deleted")


def company_q(org_id: int) -> Q:
    return Q(compound__company_id=org_id)
