"""Services of the monthly public disclosure (公示): prepare, sign twice, publish.

The figures are computed when the draft is prepared and again at each signature
(a signature covers the figures as they then stand), and frozen at publication; the
month is then closed (``PeriodClose``): no bill run, and a later posting dated in it
counts in the next open month as a correction, listed in that month's disclosure.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.fees import permissions, selectors
from redprop.fees.errors import FeesError
from redprop.fees.ledger import month_start, next_month
from redprop.fees.models import Disclosure, PeriodClose
from redprop.fees.workflow import WORKFLOW
from redprop.territory.models import Compound


@transaction.atomic
def disclosure_prepare(*, compound: Compound, period: dt.date, acting_user: Any) -> Disclosure:
    """Draft a month's disclosure (the company). Only for a month that is over."""
    if not permissions.is_collector(acting_user, compound):
        raise PermissionDenied()
    period = month_start(period)
    if next_month(period) > timezone.localdate():
        raise ApplicationError(FeesError.MONTH_NOT_OVER, _("该月尚未结束，不能公示"), field="month")
    disclosure = Disclosure(
        compound=compound,
        period=period,
        figures=selectors.disclosure_figures(compound=compound, period=period),
        prepared_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            disclosure.save()
    except IntegrityError as exc:
        raise ApplicationError(
            FeesError.DISCLOSURE_EXISTS, _("该月的公示已编制"), field="month", status=409
        ) from exc
    audit(actor=acting_user, event=AuditEvent.FEE_DISCLOSURE_PREPARED, target=disclosure)
    return disclosure


def _step(
    name: str, disclosure_id: int, acting_user: Any, fields: dict[str, Any], event: AuditEvent
) -> Disclosure:
    qs = Disclosure.objects.select_related("compound")
    with WORKFLOW.step(
        name, acting_user, qs, disclosure_id, update_fields=[*fields, "figures"]
    ) as d:
        for key, value in fields.items():
            setattr(d, key, value)
        d.figures = selectors.disclosure_figures(compound=d.compound, period=d.period)
        if name == "publish":
            PeriodClose.objects.get_or_create(
                compound=d.compound,
                period=d.period,
                defaults={"closed_by": acting_user if getattr(acting_user, "pk", None) else None},
            )
        audit(actor=acting_user, event=event, target=d)
    return d


def disclosure_sign_committee(*, disclosure: Disclosure, acting_user: Any) -> Disclosure:
    """The owners' committee signs: who and when are recorded."""
    return _step(
        "sign_committee",
        disclosure.pk,
        acting_user,
        {"committee_signed_by": acting_user, "committee_signed_at": timezone.now()},
        AuditEvent.FEE_DISCLOSURE_COMMITTEE_SIGNED,
    )


def disclosure_sign_party(*, disclosure: Disclosure, acting_user: Any) -> Disclosure:
    """The community party organisation signs, after the committee."""
    return _step(
        "sign_party",
        disclosure.pk,
        acting_user,
        {"party_signed_by": acting_user, "party_signed_at": timezone.now()},
        AuditEvent.FEE_DISCLOSURE_PARTY_SIGNED,
    )


def disclosure_publish(*, disclosure: Disclosure, acting_user: Any) -> Disclosure:
    """Publish to the residents and close the month."""
    return _step(
        "publish",
        disclosure.pk,
        acting_user,
        {"published_by": acting_user, "published_at": timezone.now()},
        AuditEvent.FEE_DISCLOSURE_PUBLISHED,
    )
