from __future__ import annotations

from django.db.models import QuerySet

from redprop.core import crypto
from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.people.choices import SensitiveField
from redprop.people.models import Person, mobile_bidx
from redprop.people.validation import clean_id_number, clean_mobile


def person_list(*, scope: Scope | ScopeSet) -> QuerySet[Person]:
    return scoped(Person.objects.prefetch_related("tags"), scope)


def person_find_by_mobile(*, scope: Scope | ScopeSet, mobile: str) -> Person | None:
    """Exact match through the blind index: no decryption, no table scan."""
    return person_list(scope=scope).filter(mobile_bidx=mobile_bidx(clean_mobile(mobile))).first()


def person_find_by_id_number(*, scope: Scope | ScopeSet, id_number: str) -> Person | None:
    bidx = crypto.blind_index(clean_id_number(id_number), purpose=SensitiveField.ID_NUMBER)
    return person_list(scope=scope).filter(id_number_bidx=bidx).first()
