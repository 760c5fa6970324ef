"""The clock: extensions (延期), and the deadline sweep that fires each case's warning,
breach and escalation checkpoints once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, Conflict
from redprop.core.models import AuditEvent
from redprop.mediation import policies
from redprop.mediation.choices import EventKind
from redprop.mediation.models import Case, CaseCheckpoint
from redprop.mediation.service_helpers import (
    _SAVE_CLOCK,
    NOTE_MAX,
    E,
    _event,
    _mediators_and_desk,
    _notify,
    _parties,
    _recompute,
    _step,
    _text,
)
from redprop.notifications.texts import Text


def case_extend(*, case: Any, days: int, reason: str, acting_user: Any) -> Case:
    """延长办理期限: once, by at most the policy's maximum (30 days by default), with the
    reason recorded and told to the parties."""
    reason = _text(
        reason,
        field="reason",
        code=E.REASON_REQUIRED,
        message=_("请填写延期理由"),
        max_length=NOTE_MAX,
    )
    with _step(
        "extend", case, acting_user, fields=["extended_days", "extension_reason", *_SAVE_CLOCK]
    ) as c:
        if c.extended_days:
            raise Conflict(E.EXTENSION_USED, _("办理期限只能延长一次"))
        limit = int(c.policy.get("max_extension", policies.DEFAULTS["max_extension"]))
        if not isinstance(days, int) or days < 1 or days > limit:
            raise ApplicationError(
                E.EXTENSION_INVALID, _("延期须为 1–%(n)s 天") % {"n": limit}, field="days"
            )
        before = c.answer_due_at
        c.extended_days = days
        c.extension_reason = reason
        # Checkpoints of the old deadline no longer apply to the new one.
        c.checkpoints.filter(key__in=["warn:answer", "breach:answer"]).delete()
        _recompute(c)
        _event(
            c,
            EventKind.EXTENDED,
            acting_user,
            from_status=c.status,
            note=reason,
            days=days,
            before=before.isoformat() if before else None,
            after=c.answer_due_at.isoformat() if c.answer_due_at else None,
        )
        audit(actor=acting_user, event=AuditEvent.CASE_EXTENDED, target=c, days=days, reason=reason)
        _notify(
            c,
            "extended",
            Text(
                gettext_noop("%(number)s 办理期限延长 %(days)s 天"),
                {"number": c.number, "days": days},
            ),
            reason[:60],
            _parties(c),
        )
    return c


ESCALATION_ROLES = {1: (Role.STREET_OFFICER, "street"), 2: (Role.HOUSING_BUREAU, "city")}


@transaction.atomic
def case_deadline_check(*, case_id: int, now: dt.datetime | None = None) -> list[str]:
    """Fire the case's due checkpoints (warning, breach, escalation) once each, record
    them on the timeline, tell the people concerned, and set the next check."""
    now = now or clock.now()
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        return []
    fired = set(case.checkpoints.values_list("key", flat=True))
    done: list[str] = []
    due = policies.checkpoints_due(case, now, fired)
    # The case row is locked: no other sweep writes its checkpoints meanwhile, so they
    # go in one statement (the unique constraint still guards against a double fire).
    CaseCheckpoint.objects.bulk_create(
        [CaseCheckpoint(case=case, key=k, at=now) for k, _, _ in due]
    )
    for key, kind, at in due:
        fired.add(key)
        done.append(key)
        clock_name = key.split(":")[1]
        if kind == "warn":
            _event(
                case,
                EventKind.WARNED,
                None,
                from_status=case.status,
                at=now,
                clock=clock_name,
                due=at.isoformat(),
            )
            subject = Text(gettext_noop("%(number)s 即将到期"), {"number": case.number})
            _notify(case, "warned", subject, case.title, _mediators_and_desk(case))
        elif kind == "breach":
            case.breached = True
            _event(
                case,
                EventKind.BREACHED,
                None,
                from_status=case.status,
                at=now,
                clock=clock_name,
                due=at.isoformat(),
            )
            subject = Text(gettext_noop("%(number)s 已超期"), {"number": case.number})
            _notify(case, "breached", subject, case.title, _mediators_and_desk(case))
        else:
            level = int(key.rsplit(":", 1)[1])
            case.escalation_level = max(case.escalation_level, level)
            role, column = ESCALATION_ROLES.get(level, (Role.HOUSING_BUREAU, "city"))
            _event(
                case,
                EventKind.ESCALATED,
                None,
                from_status=case.status,
                at=now,
                clock=clock_name,
                level=level,
            )
            audit(
                actor=None,
                event=AuditEvent.CASE_ESCALATED,
                target=case,
                after={},
                level=level,
                clock=clock_name,
            )
            from redprop.notifications.audience import audience

            _notify(
                case,
                "escalated",
                Text(
                    gettext_noop("%(number)s 超期未办，逐级上报（%(level)s 级）"),
                    {"number": case.number, "level": level},
                ),
                case.title,
                audience(region_roles=(getattr(case, f"{column}_id"), (role,))),
                level=level,
            )
    case.next_check_at = policies.next_check(case, fired)
    case.save(update_fields=["breached", "escalation_level", "next_check_at", "updated_at"])
    return done


def deadline_sweep(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Check every case whose next check has come. Idempotent: safe anywhere, any time."""
    now = now or clock.now()
    ids = list(
        Case.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        case_deadline_check(case_id=pk, now=now)
    return len(ids)
