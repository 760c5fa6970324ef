"""The outcomes: decline (不予受理), agreement (调解协议) with its signatures and follow-up,
answer (答复), refer (转交), withdraw (撤回)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.core.errors import ApplicationError
from redprop.mediation.choices import EventKind, ReferTo, Status
from redprop.mediation.models import Case, Signature
from redprop.mediation.service_helpers import (
    _SAVE_CLOCK,
    LONG_MAX,
    MAX_SIGNATURES,
    NOTE_MAX,
    E,
    _conclude,
    _event,
    _mediators_and_desk,
    _notify,
    _parties,
    _recompute,
    _step,
    _text,
)
from redprop.notifications.texts import Text


def case_decline(*, case: Any, reason: str, acting_user: Any) -> Case:
    """不予受理 (with the reason told to the petitioner)."""
    reason = _text(
        reason, field="reason", code=E.REASON_REQUIRED, message=_("请填写理由"), max_length=NOTE_MAX
    )
    with _step(
        "decline",
        case,
        acting_user,
        fields=["outcome_at", "closed_at", "outcome_note", *_SAVE_CLOCK],
    ) as c:
        from_status = c.status
        c.status = Status.DECLINED
        c.outcome_note = reason
        c.closed_at = clock.now()
        _conclude(
            c,
            kind=EventKind.DECLINED,
            acting_user=acting_user,
            from_status=from_status,
            note=reason,
        )
        _notify(
            c,
            "declined",
            Text(gettext_noop("%(number)s 不予受理"), {"number": c.number}),
            reason,
            _parties(c),
        )
    return c


def case_agree(*, case: Any, text: str, follow_up_on: dt.date | None, acting_user: Any) -> Case:
    """达成调解协议: its text (required) and the date to check it is kept."""
    text = _text(
        text,
        field="text",
        code=E.AGREEMENT_TEXT_REQUIRED,
        message=_("请填写调解协议内容"),
        max_length=LONG_MAX,
    )
    today = timezone.localdate(clock.now())
    if (
        follow_up_on is None
        or follow_up_on < today
        or follow_up_on > today + dt.timedelta(days=366)
    ):
        raise ApplicationError(
            E.FOLLOW_UP_DATE_INVALID, _("请填写今天起一年内的回访日期"), field="follow_up_on"
        )
    with _step(
        "agree",
        case,
        acting_user,
        fields=["agreement_text", "follow_up_on", "outcome_at", *_SAVE_CLOCK],
    ) as c:
        from_status = c.status
        c.status = Status.AGREED
        c.agreement_text = text
        c.follow_up_on = follow_up_on
        _conclude(
            c,
            kind=EventKind.AGREED,
            acting_user=acting_user,
            from_status=from_status,
            follow_up_on=follow_up_on.isoformat(),
        )
        _notify(
            c,
            "agreed",
            Text(gettext_noop("%(number)s 已达成调解协议"), {"number": c.number}),
            _("回访日期 %(d)s") % {"d": follow_up_on.isoformat()},
            {**_parties(c), **_mediators_and_desk(c)},
        )
    return c


def case_sign(*, case: Any, party_id: int, upload: Any, acting_user: Any) -> Signature:
    """A party's signed agreement page (photo of the signature), re-encoded, no EXIF."""
    from redprop.requests.photos import clean_photo, new_token

    with _step("sign", case, acting_user) as c:
        party = c.parties.filter(pk=party_id).first()
        if party is None:
            raise ApplicationError(E.NOT_A_PARTY, _("当事人不存在"), field="party_id")
        if c.signatures.count() >= MAX_SIGNATURES:
            raise ApplicationError(E.UPLOAD_INVALID, _("签字页数量已达上限"), field="file")
        content, _w, _h = clean_photo(upload, field="file")
        sig = Signature.objects.create(
            case=c, party=party, token=new_token(), image=content, uploaded_by=acting_user
        )
        _event(
            c, EventKind.SIGNED, acting_user, from_status=c.status, party=party.pk, signature=sig.pk
        )
    return sig


def case_follow_up(*, case: Any, kept: bool, note: str, acting_user: Any) -> Case:
    """回访: the agreement is kept (the case closes) or not (back to mediation)."""
    note = _text(
        note, field="note", code=E.REASON_REQUIRED, message=_("请填写回访情况"), max_length=NOTE_MAX
    )
    to = Status.CLOSED if kept else Status.MEDIATING
    with _step(
        "follow_up", case, acting_user, to=to, fields=["agreement_kept", "closed_at", *_SAVE_CLOCK]
    ) as c:
        from_status = c.status
        c.status = to
        c.agreement_kept = bool(kept)
        if kept:
            c.closed_at = clock.now()
        _recompute(c)
        _event(
            c,
            EventKind.FOLLOWED_UP,
            acting_user,
            from_status=from_status,
            note=note,
            kept=bool(kept),
        )
    return c


def case_answer(*, case: Any, text: str, acting_user: Any) -> Case:
    """出具答复意见: the petition's (or a dispute's) written answer; stops the answer clock."""
    text = _text(
        text,
        field="text",
        code=E.ANSWER_TEXT_REQUIRED,
        message=_("请填写答复意见"),
        max_length=LONG_MAX,
    )
    with _step(
        "answer", case, acting_user, fields=["answer_text", "outcome_at", "closed_at", *_SAVE_CLOCK]
    ) as c:
        from_status = c.status
        c.status = Status.ANSWERED
        c.answer_text = text
        c.closed_at = clock.now()
        _conclude(c, kind=EventKind.ANSWERED, acting_user=acting_user, from_status=from_status)
        _notify(
            c,
            "answered",
            Text(gettext_noop("%(number)s 已出具答复意见"), {"number": c.number}),
            text[:60],
            _parties(c),
        )
    return c


def case_refer(*, case: Any, to: str, note: str, acting_user: Any) -> Case:
    """调解不成: referred to a court, arbitration or a department."""
    if to not in ReferTo.values:
        raise ApplicationError("validation_error", _("请选择移交去向"), field="to")
    note = _text(
        note, field="note", code=E.REASON_REQUIRED, message=_("请填写说明"), max_length=NOTE_MAX
    )
    with _step(
        "refer",
        case,
        acting_user,
        fields=["referred_to", "outcome_note", "outcome_at", "closed_at", *_SAVE_CLOCK],
    ) as c:
        from_status = c.status
        c.status = Status.REFERRED
        c.referred_to = to
        c.outcome_note = note
        c.closed_at = clock.now()
        _conclude(
            c,
            kind=EventKind.REFERRED,
            acting_user=acting_user,
            from_status=from_status,
            note=note,
            to=to,
        )
        _notify(
            c,
            "referred",
            Text(gettext_noop("%(number)s 已移交"), {"number": c.number}),
            note[:60],
            _parties(c),
        )
    return c


def case_withdraw(*, case: Any, reason: str, acting_user: Any) -> Case:
    """撤回: by the applicant, or recorded by the mediator or desk."""
    reason = _text(
        reason,
        field="reason",
        code=E.REASON_REQUIRED,
        message=_("请填写撤回原因"),
        max_length=NOTE_MAX,
    )
    with _step(
        "withdraw",
        case,
        acting_user,
        fields=["outcome_note", "outcome_at", "closed_at", *_SAVE_CLOCK],
    ) as c:
        from_status = c.status
        c.status = Status.WITHDRAWN
        c.outcome_note = reason
        c.closed_at = clock.now()
        _conclude(
            c,
            kind=EventKind.WITHDRAWN,
            acting_user=acting_user,
            from_status=from_status,
            note=reason,
        )
    return c
