"""The permission matrix's entries for 表决明细 and the ballot scans (matrix_base)."""

from __future__ import annotations

from typing import Any

from redprop.accounts.choices import Role
from redprop.tests.matrix_base import DISPATCHERS, RESIDENT, Case

# Who may open a vote of compound A at all (its detail page): their refusal may be 403.
SEEN_BY = RESIDENT | DISPATCHERS | {Role.COMPANY_STAFF, Role.HOUSING_BUREAU}


def build(fx: Any) -> None:
    """A paper ballot with its scan in the open vote of compound A, and a scan link."""
    from redprop.votes import services as vs
    from redprop.votes.models import ElectorUnit
    from redprop.votes.tests.helpers import pdf

    vote = fx.votes["open"]
    unit = ElectorUnit.objects.filter(vote=vote).exclude(unit_id=fx.w.unit.pk).first()
    ballot = vs.ballot_enter(
        vote=vote,
        acting_user=fx.w.users[Role.COMMUNITY_STAFF],
        unit_id=str(unit.unit_id if unit else fx.w.unit.pk),
        choice="agree",
        channel="paper",
        document=pdf(),
    )
    token = vs.document_link_token(vote_id=vote.pk, ballot_id=ballot.pk, reason="核对纸质选票")
    fx.extra["votes"] = {"ballot": ballot, "token": token}


def _document(fx: Any) -> str:
    v = fx.extra["votes"]
    return f"/votes/{fx.votes['open'].pk}/ballots/{v['ballot'].pk}/document/?t={v['token']}"


TABLE: dict[str, list[Case]] = {
    "web:vote_ballots": [
        Case(DISPATCHERS, args=lambda fx: {"pk": fx.votes["open"].pk}, seen_by=SEEN_BY),
        Case(
            DISPATCHERS,
            method="POST",
            args=lambda fx: {"pk": fx.votes["open"].pk},
            body=lambda fx: {"reason": "核对纸质选票"},
            seen_by=SEEN_BY,
        ),
    ],
    "web:vote_ballot_document": [
        Case(
            DISPATCHERS, path=_document, names_a=True, seen_by=SEEN_BY, label="a signed scan link"
        ),
    ],
}
