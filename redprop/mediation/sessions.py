"""Mediation sessions (调解会): record one held session and its parties' attendance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.mediation.choices import EventKind, Status
from redprop.mediation.models import CaseSession
from redprop.mediation.service_helpers import (
    LONG_MAX,
    E,
    _event,
    _notify,
    _parties,
    _step,
    _text,
)
from redprop.notifications.texts import Text


def case_session(
    *,
    case: Any,
    held_at: dt.datetime,
    place: str,
    attendance: str,
    notes: str,
    acting_user: Any,
) -> CaseSession:
    """调解会: a session with its date, place, attendance and notes. Not before the case
    was opened (received), not in the future."""
    place = _text(
        place, field="place", code="validation_error", message=_("请填写地点"), max_length=128
    )
    attendance = _text(
        attendance,
        field="attendance",
        code="validation_error",
        message=_("请填写参加人员"),
        max_length=500,
    )
    notes = _text(
        notes,
        field="notes",
        code="validation_error",
        message=_("请填写调解记录"),
        max_length=LONG_MAX,
    )
    if held_at is None or timezone.is_naive(held_at):
        raise ApplicationError("validation_error", _("请填写调解时间"), field="held_at")
    try:
        held_at = held_at.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ApplicationError(E.SESSION_IN_FUTURE, _("调解时间无效"), field="held_at") from exc
    with _step("session", case, acting_user, to=Status.MEDIATING) as c:
        if held_at < c.received_at:
            raise ApplicationError(
                E.SESSION_BEFORE_OPENED,
                _("调解时间不能早于案件登记时间 %(at)s")
                % {"at": timezone.localtime(c.received_at).strftime("%Y-%m-%d %H:%M")},
                field="held_at",
            )
        if held_at > clock.now() + dt.timedelta(minutes=5):
            raise ApplicationError(
                E.SESSION_IN_FUTURE, _("只能记录已召开的调解会"), field="held_at"
            )
        from_status = c.status
        session = CaseSession.objects.create(
            case=c,
            held_at=held_at,
            place=place,
            attendance=attendance,
            notes=notes,
            recorded_by=acting_user,
        )
        c.status = Status.MEDIATING
        _event(
            c,
            EventKind.SESSION,
            acting_user,
            from_status=from_status,
            session=session.pk,
            held_at=held_at.isoformat(),
        )
        _notify(
            c,
            "session",
            Text(gettext_noop("%(number)s 已召开调解会"), {"number": c.number}),
            place,
            _parties(c),
        )
    return session
