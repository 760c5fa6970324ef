"""What the case services share: the input checks, the timeline event, the outbox
fan-out, the clock recomputation, and the workflow step over what the user sees.

The services themselves are in ``intake``, ``sessions``, ``outcomes``, ``deadlines`` and
``satisfaction``; ``services`` re-exports them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.inputs import text_problem
from redprop.core.models import AuditEvent
from redprop.mediation import policies, selectors
from redprop.mediation.errors import MediationError
from redprop.mediation.models import Case, CaseEvent
from redprop.mediation.workflow import WORKFLOW
from redprop.notifications.texts import Text

E = MediationError
MAX_PARTIES = 20
MAX_MEDIATORS = 10
MAX_SIGNATURES = 40
SUMMARY_MAX = 2000
LONG_MAX = 4000
NOTE_MAX = 1000


# --- helpers ---------------------------------------------------------------------------


def _text(value: str, *, field: str, code: str, message: str, max_length: int) -> str:
    value = (value or "").strip()
    problem = text_problem(value, required=True)
    if problem == "invalid_characters":
        raise ApplicationError(
            E.PARTY_INVALID if field == "parties" else code, _("含有不允许的字符"), field=field
        )
    if problem is not None:
        raise ApplicationError(code, message, field=field)
    if len(value) > max_length:
        raise ApplicationError(
            code, _("不能超过 %(max)s 个字符") % {"max": max_length}, field=field
        )
    return value


def _optional_text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if text_problem(value) == "invalid_characters":
        raise ApplicationError("validation_error", _("含有不允许的字符"), field=field)
    if len(value) > max_length:
        raise ApplicationError(
            "validation_error", _("不能超过 %(max)s 个字符") % {"max": max_length}, field=field
        )
    return value


_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _moment(value: dt.datetime | None, *, field: str) -> dt.datetime | None:
    """An aware instant between 2000 and a few minutes from now (a far date whose UTC
    offset would overflow is refused like any other out-of-range one)."""
    if value is None:
        return None
    message = _("时间须在 2000 年之后且不晚于现在")
    try:
        if timezone.is_naive(value):
            raise ApplicationError("validation_error", message, field=field)
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ApplicationError("validation_error", message, field=field) from exc
    if utc < _EARLIEST or utc > clock.now() + dt.timedelta(minutes=5):
        raise ApplicationError("validation_error", message, field=field)
    return utc


def _event(
    case: Case,
    kind: str,
    actor: Any,
    *,
    from_status: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    **data: Any,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),
        from_status=from_status,
        to_status=case.status,
        note=note,
        data=data,
    )


def _place(case: Case) -> dict[str, int | None]:
    return {
        "city": case.city_id,
        "district": case.district_id,
        "street": case.street_id,
        "community": case.community_id,
        "grid": case.grid_id,
    }


def _notify(
    case: Case, kind: str, subject: Text, body: str, audience: Mapping[str, Any], **payload: Any
) -> None:
    from redprop.notifications.services import outbox_fanout

    if not audience:
        return
    outbox_fanout(
        kind=f"mediation.{kind}",
        subject=subject,
        body=body,
        link=case.get_absolute_url(),
        audience={**audience, "place": _place(case)},
        payload={"case": case.pk, "number": case.number, "status": case.status, **payload},
        target=case,
    )


def _mediators_and_desk(case: Case) -> dict[str, Any]:
    from redprop.notifications.audience import audience

    return audience(
        users=[m.user_id for m in case.mediators.all()],
        region_roles=(case.community_id, (Role.COMMUNITY_STAFF,)),
    )


def _parties(case: Case) -> dict[str, Any]:
    from redprop.notifications.audience import audience

    return audience(persons=[p.person_id for p in case.parties.all()])


def _recompute(case: Case) -> None:
    """Deadlines and the next check, from the state and the frozen policy."""
    case.accept_due_at = policies.accept_due(case)
    case.answer_due_at = policies.answer_due(case)
    fired = set(case.checkpoints.values_list("key", flat=True)) if case.pk else set()
    case.next_check_at = policies.next_check(case, fired)


_SAVE_CLOCK = ["accept_due_at", "answer_due_at", "next_check_at"]


def _visible(user: Any) -> Any:
    return selectors.case_queryset().filter(selectors.visible_q(user))


def _step(
    name: str, case: Any, acting_user: Any, *, to: str | None = None, fields: Iterable[str] = ()
) -> Any:
    return WORKFLOW.step(
        name,
        acting_user,
        _visible(acting_user),
        getattr(case, "pk", case),
        to=to,
        update_fields=fields,
    )


def _conclude(
    c: Case, *, kind: str, acting_user: Any, from_status: str, note: str = "", **data: Any
) -> None:
    now = clock.now()
    c.outcome_at = now
    due = c.answer_due_at or c.accept_due_at
    _recompute(c)
    _event(
        c,
        kind,
        acting_user,
        from_status=from_status,
        note=note,
        at=now,
        on_time=(due is None or now <= due),
        **data,
    )
    audit(actor=acting_user, event=AuditEvent.CASE_CONCLUDED, target=c, outcome=kind)
