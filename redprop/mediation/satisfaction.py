"""The parties' satisfaction (满意度): once per party; staff never rate."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.errors import ApplicationError, Conflict, PermissionDenied
from redprop.mediation import permissions
from redprop.mediation.choices import SATISFIED_MIN, EventKind
from redprop.mediation.models import CaseParty
from redprop.mediation.service_helpers import E, _event, _step


def case_rate(*, case: Any, score: int, acting_user: Any) -> CaseParty:
    """A party's satisfaction (满意度), once per party; staff never rate."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ApplicationError("validation_error", _("满意度为 1–5"), field="score")
    with _step("rate", case, acting_user) as c:
        party = permissions.party_of(acting_user, c)
        if party is None:
            raise PermissionDenied()
        party = CaseParty.objects.select_for_update().get(pk=party.pk)
        if party.satisfaction is not None:
            raise Conflict(E.ALREADY_RATED, _("您已评价过"))
        party.satisfaction = score
        party.rated_at = clock.now()
        party.save(update_fields=["satisfaction", "rated_at"])
        _event(
            c,
            EventKind.RATED,
            acting_user,
            from_status=c.status,
            party=party.pk,
            score=score,
            satisfied=score >= SATISFIED_MIN,
        )
    return party
