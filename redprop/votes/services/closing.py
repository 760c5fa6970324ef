"""Closing, publishing (``signals.vote_published`` once committed) and cancelling a vote;
and the restricted, logged read of how each owner voted."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction

from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import NotFound, PermissionDenied
from redprop.core.models import AuditEvent
from redprop.votes import counting, permissions, selectors
from redprop.votes.models import (
    Ballot,
    Vote,
)
from redprop.votes.services.base import (
    NOTE_MAX,
    _text,
    _visible,
)
from redprop.votes.signals import vote_published
from redprop.votes.workflow import WORKFLOW


def vote_close(*, vote: Vote, acting_user: Any) -> Vote:
    with WORKFLOW.step(
        "close", acting_user, _visible(acting_user), vote.pk, update_fields=("closed_at",)
    ) as v:
        v.closed_at = clock.now()
        audit(actor=acting_user, event=AuditEvent.VOTE_CLOSED, target=v)
    return v


def vote_publish(*, vote: Vote, acting_user: Any) -> Vote:
    """Count the current ballots with ``counting.tally`` and publish the result (tallies
    only). ``signals.vote_published`` is sent once the transaction commits."""
    with WORKFLOW.step(
        "publish",
        acting_user,
        _visible(acting_user),
        vote.pk,
        update_fields=("result", "published_at"),
    ) as v:
        tally = selectors.vote_tally(vote=v)
        v.result = counting.as_dict(tally, selectors.rules_of(v))
        v.published_at = clock.now()
        audit(
            actor=acting_user,
            event=AuditEvent.VOTE_PUBLISHED,
            target=v,
            passed=tally.passed,
            participating_heads=tally.participating_heads,
            agree_heads=tally.agree_heads,
        )
        result = v.result
        transaction.on_commit(lambda: vote_published.send(sender=Vote, vote=v, result=result))
    return v


def vote_cancel(*, vote: Vote, acting_user: Any, reason: str = "") -> Vote:
    with WORKFLOW.step(
        "cancel", acting_user, _visible(acting_user), vote.pk, update_fields=("cancelled_at",)
    ) as v:
        v.cancelled_at = clock.now()
        audit(
            actor=acting_user,
            event=AuditEvent.VOTE_CANCELLED,
            target=v,
            reason=_text(reason, "reason", NOTE_MAX),
        )
    return v


# --- reading how someone voted (restricted, logged) -------------------------------------------


@transaction.atomic
def ballots_reveal(*, vote: Vote, acting_user: Any, reason: str) -> list[Ballot]:
    """Every ballot of ``vote`` with its choice and history: the organisers only, each
    read written to the audit log with its reason (how an owner voted is personal)."""
    v = _visible(acting_user).filter(pk=vote.pk).first()
    if v is None:
        raise NotFound()
    if not permissions.is_organiser(acting_user, v):
        raise PermissionDenied()
    reason = _text(reason, "reason", NOTE_MAX, required=True)
    rows = list(
        Ballot.objects.filter(vote=v)
        .select_related("elector", "cast_by")
        .order_by("elector__label", "cast_at", "id")
    )
    audit(
        actor=acting_user,
        event=AuditEvent.BALLOTS_VIEWED,
        target=v,
        reason=reason,
        rows=len(rows),
    )
    return rows


@transaction.atomic
def ballot_document(*, vote: Vote, ballot_id: int, acting_user: Any, reason: str) -> Ballot:
    """The scan of one paper or proxy ballot (it shows how the owner voted): the
    organisers only, each read written to the audit log with its reason and the
    ballot, like ``ballots_reveal``."""
    v = _visible(acting_user).filter(pk=vote.pk).first()
    if v is None:
        raise NotFound()
    if not permissions.is_organiser(acting_user, v):
        raise PermissionDenied()
    ballot: Ballot | None = Ballot.objects.filter(vote=v, pk=ballot_id).exclude(document="").first()
    if ballot is None:
        raise NotFound()
    reason = _text(reason, "reason", NOTE_MAX, required=True)
    audit(
        actor=acting_user,
        event=AuditEvent.BALLOTS_VIEWED,
        target=v,
        reason=reason,
        document=ballot.pk,
    )
    return ballot


# A scan link from 表决明细 carries the reason given there, signed, for a quarter hour.
DOCUMENT_SALT = "redprop.votes.ballot-document"
DOCUMENT_LINK_SECONDS = 15 * 60


def document_link_token(*, vote_id: int, ballot_id: int, reason: str) -> str:
    return signing.TimestampSigner(salt=DOCUMENT_SALT).sign_object(
        {"v": vote_id, "b": ballot_id, "r": reason}
    )


def document_link_reason(*, token: str, vote_id: int, ballot_id: int) -> str | None:
    """The reason a valid, unexpired link for this ballot carries; None otherwise."""
    try:
        data = signing.TimestampSigner(salt=DOCUMENT_SALT).unsign_object(
            token, max_age=DOCUMENT_LINK_SECONDS
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("v") != vote_id or data.get("b") != ballot_id:
        return None
    return str(data.get("r", ""))
