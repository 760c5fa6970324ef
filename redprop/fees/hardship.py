"""Hardship reductions (低保/特困): a household's grant under a policy, checked
against the hardship tag through a logged reveal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent
from redprop.fees import permissions
from redprop.fees.errors import FeesError
from redprop.fees.models import (
    HardshipGrant,
    HardshipPolicy,
)
from redprop.fees.service_base import require
from redprop.territory.models import Unit


@transaction.atomic
def hardship_grant(
    *,
    unit: Unit,
    policy: HardshipPolicy,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    acting_user: Any,
) -> HardshipGrant:
    """Grant a household a hardship reduction (低保/特困) under a policy. Only a role
    that may see the hardship tag, in its scope, and only when a person of the unit
    carries the policy's tag (checked through ``person_reveal``, so the read is logged)."""
    from redprop.people.choices import SensitiveField
    from redprop.people.models import Person
    from redprop.people.services import person_reveal

    unit = Unit.objects.select_related("compound").get(pk=unit.pk)
    require(permissions.may_see_hardship(acting_user, unit))
    if valid_to is not None and valid_to < valid_from:
        raise ApplicationError(FeesError.INVALID_DATES, _("结束日期早于开始日期"), field="valid_to")
    people = Person.objects.filter(pk__in=_people_of(unit))
    eligible = False
    for person in people.distinct():
        tags = person_reveal(
            person=person,
            field=SensitiveField.SENSITIVE_TAGS,
            reason="困难减免资格核验",
            context=f"fees.hardship_grant unit={unit.pk}",
            acting_user=acting_user,
        )
        if policy.tag_code in tags:
            eligible = True
            break
    if not eligible:
        raise ApplicationError(
            FeesError.HARDSHIP_NOT_ELIGIBLE, _("该户无人具有此项减免对应的身份"), field="policy"
        )
    grant = HardshipGrant.objects.create(
        unit=unit,
        policy=policy,
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    audit(actor=acting_user, event=AuditEvent.FEE_HARDSHIP_GRANTED, target=grant)
    return grant


def _people_of(unit: Unit) -> list[int]:
    from redprop.territory.models import Occupancy, Ownership

    ids = set(Occupancy.objects.filter(unit=unit).values_list("person_id", flat=True))
    ids |= set(
        Ownership.objects.filter(unit=unit, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    return sorted(ids)
