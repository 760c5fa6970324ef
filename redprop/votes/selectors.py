"""Reads of stored votes. Scope first; nothing here writes (reading how someone voted
is ``services.ballots_reveal``, which logs the read)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from redprop.votes import counting, permissions
from redprop.votes.choices import VoteState
from redprop.votes.models import Ballot, Elector, ElectorUnit, ProxyAuthorisation, Vote


def rules_of(vote: Vote) -> counting.CountingRules:
    return counting.CountingRules(
        blank=counting.BlankRule(vote.blank_rule), invalid=counting.BlankRule(vote.invalid_rule)
    )


def vote_list(*, user: Any) -> QuerySet[Vote]:
    """The votes a user may see: staff by their scope (drafts only to the organisers),
    owners and committee members those of their compounds, proxies theirs."""
    if not (user and user.is_authenticated and user.is_active):
        return Vote.objects.none()
    q = Q(pk__in=[])
    organisers = user.scope_set(*permissions.ORGANISERS)
    if organisers:
        q |= organisers.q_for(Vote)  # EVERYTHING for the system administrator
    staff = user.scope_set(*[r for r in permissions.STAFF_ROLES if r not in permissions.ORGANISERS])
    not_draft = ~Q(state=VoteState.DRAFT)
    if staff:
        q |= staff.q_for(Vote) & not_draft
    pid = getattr(user, "person_id", None)
    if pid:
        from redprop.orgs.models import OrgMembership

        committee_compounds = OrgMembership.objects.filter(
            person_id=pid, ended_on__isnull=True, org__kind="owners_committee"
        ).values("org__compound_id")
        q |= Q(compound_id__in=committee_compounds) & not_draft
        q |= Q(pk__in=Elector.objects.filter(permissions.elector_q(pid)).values("vote_id"))
    q |= Q(pk__in=ProxyAuthorisation.objects.filter(proxy_id=user.pk).values("vote_id"))
    # No join in q (ids in subqueries): no duplicates, and FOR UPDATE stays possible.
    return Vote.objects.filter(q)


def current_choices(*, vote: Vote) -> dict[int, str]:
    """Elector id → the choice of its current ballot (the latest by time on the ballot,
    then by id). One query over the vote's ballots, no per-ballot query."""
    out: dict[int, str] = {}
    rows = (
        Ballot.objects.filter(vote=vote)
        .order_by("elector_id", "cast_at", "id")
        .values_list("elector_id", "choice")
    )
    for elector_id, choice in rows.iterator(chunk_size=5000):
        out[elector_id] = choice
    return out


def unit_records(*, vote: Vote) -> list[counting.UnitRecord]:
    """The frozen units as ``counting`` takes them: label, head key, area by source."""
    rows = ElectorUnit.objects.filter(vote=vote).values_list(
        "unit_id", "elector__key", "area", "source"
    )
    return [
        counting.UnitRecord(
            label=str(unit_id), owner=key, areas={counting.AreaSource(source): area}
        )
        for unit_id, key, area, source in rows.iterator(chunk_size=5000)
    ]


def vote_tally(*, vote: Vote) -> counting.Tally:
    """Count the stored vote with ``counting.tally``: the same code as the stateless API."""
    keys = dict(Elector.objects.filter(vote=vote).values_list("id", "key"))
    ballots = {
        keys[eid]: counting.Choice(choice) for eid, choice in current_choices(vote=vote).items()
    }
    return counting.tally(
        item=vote.item, units=unit_records(vote=vote), ballots=ballots, rules=rules_of(vote)
    )


@dataclass(frozen=True)
class Participant:
    label: str
    units: list[str]


def participants(*, vote: Vote) -> list[Participant]:
    """Who returned a ballot (for the owners' committee): heads and their units, never
    their choice. A returned ballot shows here even when it is void."""
    voted = set(current_choices(vote=vote))
    units: dict[int, list[str]] = {}
    for eid, label in ElectorUnit.objects.filter(vote=vote, elector_id__in=voted).values_list(
        "elector_id", "label"
    ):
        units.setdefault(eid, []).append(label)
    return [
        Participant(label=e.label, units=sorted(units.get(e.pk, [])))
        for e in Elector.objects.filter(pk__in=voted).order_by("label")
    ]


def turnout(*, vote: Vote) -> dict[str, Any]:
    """How many heads returned a ballot so far (no choices): for the pages while open."""
    voted = set(current_choices(vote=vote))
    return {"returned": len(voted), "total_heads": vote.total_heads or 0}


@dataclass
class MyHead:
    elector: Elector
    units: list[ElectorUnit]
    as_proxy: bool
    history: list[Ballot]

    @property
    def current(self) -> Ballot | None:
        return self.history[-1] if self.history else None


def my_heads(*, vote: Vote, user: Any) -> list[MyHead]:
    """The heads ``user`` may cast for (their own, their developer's, those they hold an
    authorisation for), with the units and the user's view of the ballot history."""
    if vote.opened_at is None or not user.is_authenticated:
        return []
    own_q = permissions.elector_q(user.person_id) if user.person_id else Q(pk__in=[])
    own = set(vote.electors.filter(own_q).values_list("pk", flat=True))
    proxied = set(vote.proxies.filter(proxy_id=user.pk).values_list("elector_id", flat=True))
    ids = own | proxied
    units: dict[int, list[ElectorUnit]] = {}
    for eu in ElectorUnit.objects.filter(vote=vote, elector_id__in=ids).order_by("label"):
        units.setdefault(eu.elector_id, []).append(eu)
    history: dict[int, list[Ballot]] = {}
    for b in Ballot.objects.filter(vote=vote, elector_id__in=ids).order_by("cast_at", "id"):
        history.setdefault(b.elector_id, []).append(b)
    return [
        MyHead(e, units.get(e.pk, []), e.pk not in own, history.get(e.pk, []))
        for e in Elector.objects.filter(pk__in=ids).order_by("label")
    ]


def electors_of(*, vote: Vote, unit_ids: Iterable[int]) -> dict[int, ElectorUnit]:
    return {
        eu.unit_id: eu
        for eu in ElectorUnit.objects.filter(vote=vote, unit_id__in=list(unit_ids)).select_related(
            "elector"
        )
    }


def is_published(vote: Vote) -> bool:
    return vote.state == VoteState.PUBLISHED
