"""What a reader sees of a case: the whole file (mediators and supervisors, logged) or a
party's own view (no session notes, no other party's personal data). Shared by the API
and the pages so the two never disagree."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from redprop.mediation import permissions, selectors
from redprop.mediation.choices import CaseKind, DisputeType, PartyKind, Source, Status
from redprop.mediation.models import Case


def _party(p: Any, *, full: bool, own: bool) -> dict[str, Any]:
    # A company's name is no personal data; a resident's or a household's is, and the
    # other party's is withheld from a party's view.
    show_name = full or own or p.kind == PartyKind.COMPANY
    return {
        "id": p.pk,
        "side": p.side,
        "kind": p.kind,
        "name": p.name if show_name else _("对方当事人"),
        "mine": own,
        "satisfaction": p.satisfaction if (full or own) else None,
    }


def case_dict(case: Case, user: Any, view: str) -> dict[str, Any]:
    full = view == permissions.View.FILE
    mine = permissions.party_of(user, case)
    events = selectors.timeline(case)
    data: dict[str, Any] = {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "kind_label": str(CaseKind(case.kind).label),
        "dispute_type": case.dispute_type,
        "dispute_type_label": str(DisputeType(case.dispute_type).label),
        "source": case.source,
        "source_label": str(Source(case.source).label),
        "status": case.status,
        "status_label": str(Status(case.status).label),
        "view": str(view),
        "title": case.title,
        "summary": case.summary if (full or (mine and mine.side == "applicant")) else "",
        "community_id": case.community_id,
        "compound_id": case.compound_id,
        "request_id": case.request_id if full else None,
        "external_ref": case.external_ref if full else "",
        "received_at": case.received_at,
        "accepted_at": case.accepted_at,
        "accept_due_at": case.accept_due_at,
        "answer_due_at": case.answer_due_at,
        "extended_days": case.extended_days,
        "extension_reason": case.extension_reason,
        "breached": case.breached,
        "escalation_level": case.escalation_level if full else 0,
        "agreement_text": case.agreement_text,
        "follow_up_on": case.follow_up_on,
        "agreement_kept": case.agreement_kept,
        "answer_text": case.answer_text,
        "referred_to": case.referred_to,
        "outcome_note": case.outcome_note if full else "",
        "parties": [
            _party(p, full=full, own=mine is not None and p.pk == mine.pk)
            for p in case.parties.all()
        ],
        "mediators": [{"id": m.pk, "kind": m.kind, "name": m.name} for m in case.mediators.all()],
        "sessions": [
            {
                "id": s.pk,
                "held_at": s.held_at,
                "place": s.place,
                "attendance": s.attendance if full else "",
                "notes": s.notes if full else "",
            }
            for s in case.sessions.all()
        ],
        "signatures": len(case.signatures.all()),
        "events": [
            {
                "at": e.at,
                "kind": e.kind,
                "to_status": e.to_status,
                "note": e.note if full else "",
            }
            for e in events
        ],
        "actions": sorted(_available(user, case)),
    }
    return data


def _available(user: Any, case: Case) -> set[str]:
    from redprop.mediation.workflow import available

    return set(available(user, case))
