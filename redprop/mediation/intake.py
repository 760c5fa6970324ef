"""Intake: open a case or petition (from the desk or 转调解 from a request), read its
file (every unmasked read logged), assign mediators, accept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.core import clock
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from redprop.core.inputs import text_problem
from redprop.core.models import AuditEvent
from redprop.mediation import permissions, policies
from redprop.mediation.choices import (
    CaseKind,
    DisputeType,
    EventKind,
    MediatorKind,
    PartyKind,
    PartySide,
    Source,
    Status,
)
from redprop.mediation.models import Case, CaseMediator, CaseParty
from redprop.mediation.service_helpers import (
    _SAVE_CLOCK,
    MAX_MEDIATORS,
    MAX_PARTIES,
    NOTE_MAX,
    SUMMARY_MAX,
    E,
    _event,
    _mediators_and_desk,
    _moment,
    _notify,
    _optional_text,
    _parties,
    _recompute,
    _step,
    _text,
    _visible,
)
from redprop.notifications.texts import Text


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
