"""Every write of mediation cases and petitions (调解与信访).

Each service is atomic (nothing is written on error), takes ``acting_user``, records a
timeline event (``CaseEvent``) and, for administrative acts, an audit row; the
notifications go through the outbox in the same transaction. State changes run through
``workflow.WORKFLOW.step`` (lock, 404 outside what the user sees, 403, 409).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.core.inputs import text_problem
from redprop.core.models import AuditEvent
from redprop.mediation import permissions, policies, selectors
from redprop.mediation.choices import (
    SATISFIED_MIN,
    CaseKind,
    DisputeType,
    EventKind,
    MediatorKind,
    PartyKind,
    PartySide,
    ReferTo,
    Source,
    Status,
)
from redprop.mediation.errors import MediationError
from redprop.mediation.models import (
    Case,
    CaseCheckpoint,
    CaseEvent,
    CaseMediator,
    CaseParty,
    CaseSession,
    Signature,
)
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


# --- intake -----------------------------------------------------------------------------


def _resolve_parties(
    parties: Iterable[Mapping[str, Any]], *, community_id: int | None, acting_user: Any
) -> list[CaseParty]:
    """Turn the intake's parties into unsaved rows; a person, company or unit the
    acting user may not name is refused exactly like one that does not exist."""
    from redprop.orgs.models import Org
    from redprop.people.models import Person
    from redprop.territory.models import Unit

    parties = list(parties or [])
    if not parties:
        raise ApplicationError(E.PARTIES_REQUIRED, _("请至少登记一方当事人"), field="parties")
    if len(parties) > MAX_PARTIES:
        raise ApplicationError(
            E.PARTY_INVALID, _("当事人最多 %(n)s 方") % {"n": MAX_PARTIES}, field="parties"
        )
    scopes = acting_user.scope_set(*permissions.INTAKE_ROLES)
    invalid = ApplicationError(
        E.PARTY_INVALID, _("当事人不存在或不在您的管辖范围内"), field="parties"
    )
    rows: list[CaseParty] = []
    for raw in parties:
        side = raw.get("side") or PartySide.APPLICANT
        kind = raw.get("kind") or PartyKind.RESIDENT
        if side not in PartySide.values or kind not in PartyKind.values:
            raise invalid
        row = CaseParty(side=side, kind=kind, name="")
        if kind == PartyKind.RESIDENT:
            person = Person.objects.filter(pk=raw.get("person_id") or 0).first()
            if person is None or not scopes.contains(person):
                raise invalid
            row.person, row.name = person, person.name
        elif kind == PartyKind.COMPANY:
            org = Org.objects.filter(pk=raw.get("org_id") or 0).first()
            if org is None:
                raise invalid
            row.org, row.name = org, org.name
            if raw.get("person_id"):
                person = Person.objects.filter(pk=raw["person_id"]).first()
                if person is None or not scopes.contains(person):
                    raise invalid
                row.person = person
        else:
            unit = (
                Unit.objects.select_related("building").filter(pk=raw.get("unit_id") or 0).first()
            )
            if unit is None or unit.community_id != community_id:
                raise invalid
            row.unit, row.name = unit, unit.label
            if raw.get("person_id"):
                person = Person.objects.filter(pk=raw["person_id"]).first()
                if person is None or not scopes.contains(person):
                    raise invalid
                row.person = person
        rows.append(row)
    return rows


def _mediator_row(raw: Mapping[str, Any], *, case: Case) -> CaseMediator:
    from redprop.accounts.models import User

    kind = raw.get("kind") or MediatorKind.COMMUNITY_STAFF
    if kind not in MediatorKind.values:
        raise ApplicationError(E.MEDIATOR_INVALID, _("调解员类别无效"), field="mediators")
    user = None
    if raw.get("user_id"):
        user = User.objects.filter(pk=raw["user_id"], is_active=True).first()
        if user is None:
            raise ApplicationError(E.MEDIATOR_INVALID, _("调解员账号不存在"), field="mediators")
    name = (raw.get("name") or (str(user.get_full_name() or user.username) if user else "")).strip()
    if not name or len(name) > 32 or text_problem(name, required=True):
        raise ApplicationError(
            E.MEDIATOR_INVALID, _("请填写调解员姓名（最多 32 字）"), field="mediators"
        )
    return CaseMediator(case=case, kind=kind, user=user, name=name)


@transaction.atomic
def case_open(
    *,
    kind: str,
    dispute_type: str,
    source: str,
    title: str,
    summary: str,
    place: Any,
    parties: Iterable[Mapping[str, Any]],
    mediators: Iterable[Mapping[str, Any]] = (),
    request: Any = None,
    external_ref: str = "",
    received_at: dt.datetime | None = None,
    acting_user: Any,
) -> Case:
    """Register a petition (信访登记) or open a dispute case at a community or compound.

    Refuses (4xx, nothing written): no parties, a party the user may not name, an
    empty title, a receipt time in the future, a place outside the user's scope.
    Starts the accept clock from ``received_at`` under the place's policy.
    """
    if place is None or not permissions.can_open_at(acting_user, place):
        raise ApplicationError(E.PLACE_REQUIRED, _("请选择您管辖范围内的社区或小区"), field="place")
    if kind not in CaseKind.values:
        raise ApplicationError("validation_error", _("类别无效"), field="kind")
    if dispute_type not in DisputeType.values:
        raise ApplicationError("validation_error", _("纠纷类型无效"), field="dispute_type")
    if source not in Source.values:
        raise ApplicationError("validation_error", _("来源无效"), field="source")
    title = _text(
        title, field="title", code=E.TITLE_REQUIRED, message=_("请填写事由"), max_length=64
    )
    summary = _optional_text(summary, field="summary", max_length=SUMMARY_MAX)
    external_ref = _optional_text(external_ref, field="external_ref", max_length=64)
    received_at = _moment(received_at, field="received_at") or clock.now()
    case = Case(
        kind=kind,
        dispute_type=dispute_type,
        source=source,
        title=title,
        summary=summary,
        request=request,
        external_ref=external_ref,
        registered_by=acting_user if getattr(acting_user, "pk", None) else None,
        received_at=received_at,
    )
    case.set_place(place)
    if hasattr(place, "compound_id") and getattr(place, "compound_id", None):
        case.compound_id = place.compound_id
    elif place._meta.model_name == "compound":
        case.compound = place
    party_rows = _resolve_parties(parties, community_id=case.community_id, acting_user=acting_user)
    case.policy = policies.snapshot(policies.policy_for(place=case, at=received_at))
    case.accept_due_at = policies.accept_due(case)
    case.next_check_at = policies.next_check(case, set())
    case.save()
    for row in party_rows:
        row.case = case
    CaseParty.objects.bulk_create(party_rows)
    mediator_rows = [_mediator_row(m, case=case) for m in list(mediators)[:MAX_MEDIATORS]]
    CaseMediator.objects.bulk_create(mediator_rows)
    _event(case, EventKind.REGISTERED, acting_user, at=received_at, source=source)
    audit(actor=acting_user, event=AuditEvent.CASE_REGISTERED, target=case)
    _notify(
        case,
        "registered",
        Text(gettext_noop("新登记 %(number)s：%(title)s"), {"number": case.number, "title": title}),
        summary[:60],
        _mediators_and_desk(case),
    )
    return case


@transaction.atomic
def case_from_request(
    *, request: Any, dispute_type: str = DisputeType.PROPERTY_SERVICE, acting_user: Any
) -> Case:
    """转调解: one step from a service request to a dispute case linked both ways
    (``Case.request`` and ``request.mediation_cases``). The reporter is the applicant,
    the handling company (if any) the respondent; the acting desk officer mediates."""
    from redprop.orgs.choices import OrgKind

    if not permissions.can_open_from_request(acting_user, request):
        raise PermissionDenied()
    if (
        Case.objects.filter(request=request)
        .exclude(status__in=[Status.WITHDRAWN, Status.DECLINED])
        .exists()
    ):
        raise Conflict(E.ALREADY_ESCALATED, _("该诉求已转调解"))
    parties: list[dict[str, Any]] = []
    if request.reporter_id:
        parties.append({"side": "applicant", "kind": "resident", "person_id": request.reporter_id})
    org = request.handling_org
    if org is not None and org.kind == OrgKind.PROPERTY_COMPANY:
        parties.append({"side": "respondent", "kind": "company", "org_id": org.pk})
    place = request.unit or request.building or request.compound
    if place is None:
        from redprop.territory.models import Region

        place = Region.objects.get(pk=request.community_id)
    return case_open(
        kind=CaseKind.DISPUTE,
        dispute_type=dispute_type,
        source=Source.SERVICE_REQUEST,
        title=_("诉求 %(number)s 转调解") % {"number": request.number},
        summary=request.description[:SUMMARY_MAX],
        place=place,
        parties=parties,
        mediators=[{"kind": MediatorKind.COMMUNITY_STAFF, "user_id": acting_user.pk}],
        request=request,
        acting_user=acting_user,
    )


# --- reading the file (logged) ------------------------------------------------------------


@transaction.atomic
def case_file_open(*, case_id: int, acting_user: Any, context: str = "") -> tuple[Case, str]:
    """Open a case for ``acting_user``: (case, view). A mediator's or supervisor's read of
    the case file is logged in the PII access log, one row per natural-person party
    (or, with none, an audit row); a party gets their own view, unlogged. 404 for
    anyone else, exactly as for a case that does not exist."""
    from redprop.people.choices import SensitiveField
    from redprop.people.services import pii_access_log_append

    case = _visible(acting_user).filter(pk=case_id).first()
    view = permissions.view_of(acting_user, case) if case is not None else None
    if case is None or view is None:
        raise NotFound()
    if view == permissions.View.FILE:
        reason = _("查阅调解卷宗 %(number)s") % {"number": case.number}
        people = {p.person_id: p.person for p in case.parties.all() if p.person_id}
        for person in people.values():
            pii_access_log_append(
                person=person,
                field=SensitiveField.CASE_FILE,
                reason=reason,
                context=(context or f"mediation:{case.pk}")[:64],
                acting_user=acting_user,
            )
        if not people:
            audit(actor=acting_user, event=AuditEvent.CASE_FILE_READ, target=case, after={})
    return case, view


# --- the workflow's steps --------------------------------------------------------------------


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


def case_assign(
    *, case: Any, kind: str, user: Any = None, name: str = "", acting_user: Any
) -> CaseMediator:
    """指定调解员: add a mediator (community staff, the committee, a lawyer volunteer)."""
    with _step("assign", case, acting_user) as c:
        if c.mediators.count() >= MAX_MEDIATORS:
            raise ApplicationError(E.MEDIATOR_INVALID, _("调解员已达上限"), field="mediators")
        row = _mediator_row(
            {"kind": kind, "user_id": getattr(user, "pk", user), "name": name}, case=c
        )
        if row.user_id and c.mediators.filter(user_id=row.user_id).exists():
            raise Conflict(E.MEDIATOR_INVALID, _("该调解员已在本案中"))
        row.save()
        _event(
            c,
            EventKind.MEDIATOR_ASSIGNED,
            acting_user,
            from_status=c.status,
            mediator=row.name,
            mediator_kind=kind,
        )
        audit(actor=acting_user, event=AuditEvent.CASE_MEDIATOR_ASSIGNED, target=row)
        _notify(
            c,
            "assigned",
            Text(gettext_noop("您被指定为 %(number)s 的调解员"), {"number": c.number}),
            c.title,
            {"users": [row.user_id]} if row.user_id else {},
        )
    return row


def case_accept(*, case: Any, acting_user: Any, note: str = "") -> Case:
    """受理: stops the accept clock, starts the answer clock (its period from now)."""
    note = _optional_text(note, field="note", max_length=NOTE_MAX)
    with _step("accept", case, acting_user, fields=["accepted_at", *_SAVE_CLOCK]) as c:
        now = clock.now()
        from_status = c.status
        c.accepted_at = now
        c.status = Status.ACCEPTED
        _recompute(c)
        _event(
            c,
            EventKind.ACCEPTED,
            acting_user,
            from_status=from_status,
            note=note,
            at=now,
            on_time=now <= c.accept_due_at if c.accept_due_at else True,
        )
        audit(actor=acting_user, event=AuditEvent.CASE_ACCEPTED, target=c)
        _notify(
            c,
            "accepted",
            Text(gettext_noop("您的事项 %(number)s 已受理"), {"number": c.number}),
            _("办理期限至 %(due)s")
            % {"due": timezone.localtime(c.answer_due_at).strftime("%Y-%m-%d")},
            _parties(c),
        )
    return c


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


# --- the clock -----------------------------------------------------------------------------


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
