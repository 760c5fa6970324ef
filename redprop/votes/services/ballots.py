"""Ballots: an owner's or a proxy's from the phone, a paper or proxy ballot entered by
staff with its scan, and the registration of a written proxy authorisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, NotFound
from redprop.core.models import AuditEvent
from redprop.votes import permissions, selectors
from redprop.votes.choices import (
    OWNER_CHOICES,
    BallotChoice,
    Channel,
    VoteState,
)
from redprop.votes.errors import VoteError, vote_error
from redprop.votes.models import (
    Ballot,
    ElectorUnit,
    ProxyAuthorisation,
    Vote,
)
from redprop.votes.services.base import (
    NOTE_MAX,
    PROXY_NAME_MAX,
    _choice,
    _document,
    _text,
    _unit_id,
    _visible,
)
from redprop.votes.workflow import WORKFLOW


def ballot_cast(
    *, vote: Vote, acting_user: Any, ballots: Sequence[tuple[Any, Any]]
) -> list[Ballot]:
    """An owner (or their proxy) votes from the phone: ``ballots`` is a list of
    (unit id, choice) for the heads they may vote for. A later ballot by the same head
    in the window replaces the earlier one; both rows stay. Refused, with nothing
    written: outside the window, a user who is neither an owner nor a proxy, a unit
    not theirs, the same head twice in one request."""
    visible = _visible(acting_user)
    target = visible.filter(pk=vote.pk).first()
    if target is None:
        raise NotFound()
    if not (permissions.is_owner(acting_user, target) or permissions.is_proxy(acting_user, target)):
        raise vote_error(VoteError.NOT_AN_OWNER, status=403)
    if not target.window_open():
        raise vote_error(VoteError.VOTING_CLOSED, status=409)
    if not ballots:
        raise vote_error(VoteError.INVALID_CHOICE, field="ballots")
    try:
        return _cast(vote, acting_user, visible, ballots)
    except ApplicationError as err:
        if err.code == VoteError.INVALID_TRANSITION:  # closed while this one waited
            raise vote_error(VoteError.VOTING_CLOSED, status=409) from None
        raise


def _cast(
    vote: Vote, acting_user: Any, visible: Any, ballots: Sequence[tuple[Any, Any]]
) -> list[Ballot]:
    out: list[Ballot] = []
    with WORKFLOW.step("cast", acting_user, visible, vote.pk) as v:
        # The vote row is locked: closing waits for this ballot, or this ballot sees it
        # closed. Two ballots of one owner at once are taken one after the other.
        if not v.window_open():
            raise vote_error(VoteError.VOTING_CLOSED, status=409)
        heads = {h.elector.pk: h for h in selectors.my_heads(vote=v, user=acting_user)}
        by_unit = {eu.unit_id: h for h in heads.values() for eu in h.units}
        seen: set[int] = set()
        now = clock.now()
        for i, (raw_unit, raw_choice) in enumerate(ballots):
            field = f"ballots[{i}]"
            unit_id = _unit_id(raw_unit)
            head = by_unit.get(unit_id) if unit_id else None
            if head is None:
                raise vote_error(VoteError.UNIT_NOT_YOURS, field=f"{field}.unit_id")
            choice = _choice(raw_choice, f"{field}.choice", OWNER_CHOICES)
            if head.elector.pk in seen:
                raise vote_error(VoteError.DUPLICATE_BALLOT, field=f"{field}.unit_id")
            seen.add(head.elector.pk)
            out.append(
                Ballot(
                    vote=v,
                    elector=head.elector,
                    choice=choice,
                    channel=Channel.PROXY if head.as_proxy else Channel.ONLINE,
                    cast_by=acting_user,
                    cast_at=now,
                    recorded_at=now,
                    proxy_name=str(acting_user)[:PROXY_NAME_MAX] if head.as_proxy else "",
                )
            )
        for b in out:
            b.save()
    return out


def ballot_enter(
    *,
    vote: Vote,
    acting_user: Any,
    unit_id: Any,
    choice: str,
    document: Any,
    channel: str = Channel.PAPER,
    cast_at: dt.datetime | None = None,
    proxy_name: str = "",
    note: str = "",
) -> Ballot:
    """Staff enter a paper ballot with its scan, or a proxy's ballot with the written
    authorisation. ``cast_at`` is the date on the ballot as received: inside the window
    (a ballot received in time may be entered after closing, before publication)."""
    visible = _visible(acting_user)
    current = visible.filter(pk=vote.pk).first()
    if current is None:
        raise NotFound()
    action = "enter_received" if current.state == VoteState.CLOSED else "enter"
    with WORKFLOW.step(action, acting_user, visible, vote.pk) as v:
        ballot = _entered_ballot(
            v,
            acting_user=acting_user,
            unit_id=unit_id,
            choice=choice,
            channel=channel,
            cast_at=cast_at,
            proxy_name=proxy_name,
            note=note,
            field="",
        )
        ballot.document = _document(document, "document")
        ballot.save()
        audit(
            actor=acting_user,
            event=AuditEvent.BALLOT_ENTERED,
            target=v,
            ballot_id=ballot.pk,
            channel=ballot.channel,
            elector=ballot.elector.label,
        )
    return ballot


def _entered_ballot(
    v: Vote,
    *,
    acting_user: Any,
    unit_id: Any,
    choice: Any,
    channel: Any,
    cast_at: dt.datetime | None,
    proxy_name: str,
    note: str,
    field: str,
    units: dict[int, ElectorUnit] | None = None,
) -> Ballot:
    now = clock.now()
    uid = _unit_id(unit_id)
    if units is None:
        units = selectors.electors_of(vote=v, unit_ids=[uid] if uid else [])
    eu = units.get(uid) if uid else None
    if eu is None:
        raise vote_error(VoteError.UNIT_NOT_YOURS, field=f"{field}unit_id")
    choice = _choice(choice, f"{field}choice", BallotChoice.values)
    if channel not in (Channel.PAPER, Channel.PROXY):
        raise vote_error(VoteError.INVALID_CHOICE, field=f"{field}channel")
    at = cast_at or now
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if v.opens_at is None or not (v.opens_at <= at <= min(v.closes_at, now)):
        raise vote_error(VoteError.VOTING_CLOSED, field=f"{field}cast_at", status=409)
    proxy_name = _text(proxy_name, f"{field}proxy_name", PROXY_NAME_MAX)
    if channel == Channel.PROXY and not proxy_name:
        raise ApplicationError(
            "validation_error", _("委托投票须填写代理人姓名"), field=f"{field}proxy_name"
        )
    return Ballot(
        vote=v,
        elector=eu.elector,
        choice=choice,
        channel=channel,
        cast_by=acting_user,
        cast_at=at,
        recorded_at=now,
        proxy_name=proxy_name,
        note=_text(note, f"{field}note", NOTE_MAX),
    )


def proxy_register(
    *, vote: Vote, acting_user: Any, unit_id: Any, proxy: Any, document: Any
) -> ProxyAuthorisation:
    """Staff register a written authorisation (授权委托书): ``proxy`` (a user) may cast the
    ballot of the head holding ``unit_id`` from their own phone."""
    with WORKFLOW.step("register_proxy", acting_user, _visible(acting_user), vote.pk) as v:
        uid = _unit_id(unit_id)
        eu = selectors.electors_of(vote=v, unit_ids=[uid] if uid else []).get(uid or 0)
        if eu is None:
            raise vote_error(VoteError.UNIT_NOT_YOURS, field="unit_id")
        if proxy is None or not getattr(proxy, "is_active", False):
            raise ApplicationError("validation_error", _("代理人须为已注册的用户"), field="proxy")
        row = ProxyAuthorisation(
            vote=v,
            elector=eu.elector,
            proxy=proxy,
            registered_by=acting_user,
            document=_document(document, "document"),
        )
        row.save()
        audit(
            actor=acting_user,
            event=AuditEvent.PROXY_REGISTERED,
            target=v,
            elector=eu.elector.label,
            proxy_user=proxy.pk,
        )
    return row
