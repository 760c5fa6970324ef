"""Writes and protected reads of people. Plaintext PII leaves only via ``person_reveal``."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from redprop.core import crypto
from redprop.core.audit import audit, snapshot
from redprop.core.errors import ApplicationError, NotFound
from redprop.core.models import AuditEvent
from redprop.people import party_identity
from redprop.people.choices import SensitiveField
from redprop.people.errors import PeopleError
from redprop.people.models import Person, PersonTag, PiiAccessLog
from redprop.people.policies import REVEAL_ROLES, VIEW_ROLES
from redprop.people.validation import clean_id_number, clean_mobile

if TYPE_CHECKING:
    from redprop.accounts.models import User


def _split_tags(codes: list[str]) -> tuple[list[PersonTag], list[str]]:
    tags = {t.code: t for t in PersonTag.objects.filter(code__in=codes)}
    unknown = sorted(set(codes) - set(tags))
    if unknown:
        raise ApplicationError(
            PeopleError.UNKNOWN_TAG,
            _("未知的人员标签：%(tag)s") % {"tag": unknown[0]},
            field="tags",
        )
    plain = [t for t in tags.values() if not t.sensitive]
    sensitive = sorted(t.code for t in tags.values() if t.sensitive)
    return plain, sensitive


@transaction.atomic
def person_create(
    *,
    name: str,
    id_number: str = "",
    mobile: str = "",
    gender: str = "",
    birth_date: dt.date | None = None,
    tags: list[str] | None = None,
    place: Any = None,
    acting_user: User,
) -> Person:
    """Register a person. ID number and mobile are validated, encrypted and indexed;
    sensitive tags go into the encrypted blob, the others into ``tags``."""
    name = (name or "").strip()
    if not name or len(name) > 32:
        raise ApplicationError("invalid_name", _("请填写姓名（不超过 32 个字）"), field="name")
    person = Person(name=name, gender=gender)
    if id_number:
        id_number = clean_id_number(id_number)
        if Person.objects.filter(
            id_number_bidx=crypto.blind_index(id_number, purpose=SensitiveField.ID_NUMBER)
        ).exists():
            raise ApplicationError(
                PeopleError.DUPLICATE_ID_NUMBER, _("该身份证号码已登记"), field="id_number"
            )
        person.set_id_number(id_number)
    elif birth_date is not None:
        person.set_birth_date(birth_date)
    if mobile:
        person.set_mobile(clean_mobile(mobile))
    plain, sensitive = _split_tags(tags or [])
    if sensitive:
        person.set_sensitive({"tags": sensitive})
    if place is not None:
        person.set_place(place)
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # a concurrent registration of the same ID number
        raise ApplicationError(
            PeopleError.DUPLICATE_ID_NUMBER, _("该身份证号码已登记"), field="id_number"
        ) from exc
    if plain:
        person.tags.set(plain)
    audit(actor=acting_user, event=AuditEvent.PERSON_CREATED, target=person)
    return person


@transaction.atomic
def person_update_contact(
    *, person: Person, mobile: str | None = None, tags: list[str] | None = None, acting_user: User
) -> Person:
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = snapshot(person)
    if mobile is not None:
        person.set_mobile(clean_mobile(mobile))
    if tags is not None:
        plain, sensitive = _split_tags(tags)
        data = person._sensitive()
        data["tags"] = sensitive
        person.set_sensitive(data)
        person.tags.set(plain)
    person.save()
    audit(actor=acting_user, event=AuditEvent.PERSON_UPDATED, target=person, before=before)
    return person


def can_reveal(user: User, person: Person, field: str) -> bool:
    """Role and scope both allow ``user`` to see ``field`` of ``person`` unmasked."""
    allowed = REVEAL_ROLES.get(field, frozenset())
    roles = [r for r in user.role_names() if r in allowed]
    if not roles:
        return False
    return user.scope_set(*roles).contains(person)


@transaction.atomic
def person_reveal(
    *,
    person: Person,
    field: str,
    reason: str,
    acting_user: User,
    context: str = "",
    granted_by: str = "",
) -> Any:
    """Return one sensitive field in clear and log the read (who, whom, which, why, when).

    Refused (403) for a role the policy does not list for the field, and 404 for a
    person outside the user's scope; a refused read writes nothing.

    ``granted_by`` names a relationship rule that the caller has already checked and
    that grants this one read instead of the role policy, e.g. ``"contact"``: the
    handler of an open order may reach its reporter (``contact.services``, ADR 0014).
    The read is logged the same way, with the grant at the head of the context.
    """
    if field not in SensitiveField.values:
        raise ApplicationError(PeopleError.UNKNOWN_FIELD, _("未知的字段"), field="field")
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ApplicationError(
            PeopleError.REVEAL_REASON_REQUIRED, _("查看完整个人信息须填写事由"), field="reason"
        )
    if granted_by:
        context = f"{granted_by}:{context}" if context else granted_by
    elif not acting_user.scope_set().contains(person):
        raise NotFound()
    elif not can_reveal(acting_user, person, field):
        raise ApplicationError(
            PeopleError.REVEAL_NOT_ALLOWED, _("您的角色无权查看该项个人信息"), status=403
        )
    value: Any
    if field == SensitiveField.ID_NUMBER:
        value = crypto.decrypt(person.id_number_enc) if person.id_number_enc else ""
    elif field == SensitiveField.MOBILE:
        value = crypto.decrypt(person.mobile_enc) if person.mobile_enc else ""
    elif field == SensitiveField.BIRTH_DATE:
        value = crypto.decrypt(person.birth_date_enc) if person.birth_date_enc else ""
    elif field == SensitiveField.SENSITIVE_TAGS:
        value = person._sensitive().get("tags", [])
    elif field == SensitiveField.PARTY_MEMBERSHIP:
        # By the blind index, in every table that registered (orgs' organisational
        # relation, the party app's members): none of them names the person in clear.
        value = party_identity.is_party_member(person.pk)
    else:  # NAME_OF_MINOR
        value = person.name
    pii_access_log_append(
        person=person, field=field, reason=reason, context=context, acting_user=acting_user
    )
    return value


def pii_access_log_append(
    *, person: Person, field: str, reason: str, context: str = "", acting_user: User | None
) -> PiiAccessLog:
    """Append one row to the PII access log (who, whom, which field, why, when).

    The only writer of ``PiiAccessLog``: ``person_reveal``,
    ``person_mobile_system_read`` (the SMS channel: the system reading a number,
    ``acting_user=None``) and a resident's own download
    call it. The row is hash-chained (``core.chain``); call it inside the
    transaction of the read it records.
    """
    return PiiAccessLog.objects.create(
        actor=acting_user if getattr(acting_user, "pk", None) else None,
        person=person,
        field=field,
        reason=reason[:200],
        context=context[:64],
    )


@transaction.atomic
def person_mobile_system_read(*, person: Person, reason: str, context: str) -> str:
    """The person's mobile in clear, read by the system itself (an SMS gateway sending
    to it), with its row on the PII access log (no actor). The read and its log are
    one call, so a channel cannot have the number without the trace."""
    mobile = crypto.decrypt(person.mobile_enc)
    pii_access_log_append(
        person=person,
        field=SensitiveField.MOBILE,
        reason=reason,
        context=context,
        acting_user=None,
    )
    return mobile


ROTATED_FIELDS = ("id_number_enc", "mobile_enc", "birth_date_enc", "sensitive_enc")


@transaction.atomic
def person_rotate_pii_keys_batch(*, after_id: int, batch: int, acting_user: User) -> int | None:
    """Re-encrypt one primary-key batch of people under the first PII key.

    Locks the batch, rewrites its ciphertext columns and appends one audit row
    (``PII_KEYS_ROTATED``, the id range and count in ``extra``). Returns the last
    id done, or ``None`` when no person is left after ``after_id``.
    """
    rows = list(Person.objects.select_for_update().filter(pk__gt=after_id).order_by("pk")[:batch])
    if not rows:
        return None
    changed = 0
    for person in rows:
        for name in ROTATED_FIELDS:
            if getattr(person, name):
                setattr(person, name, crypto.rotate(getattr(person, name)))
                changed += 1
    Person.objects.bulk_update(rows, list(ROTATED_FIELDS))
    audit(
        actor=acting_user,
        event=AuditEvent.PII_KEYS_ROTATED,
        target=Person,
        first_id=rows[0].pk,
        last_id=rows[-1].pk,
        people=len(rows),
        values=changed,
    )
    return rows[-1].pk


@transaction.atomic
def sealed_rotate_pii_keys_batch(
    *, model: Any, after_id: int, batch: int, acting_user: User | None
) -> int | None:
    """Re-encrypt one batch of a sealed-identity table (``identity_enc``: the party
    membership tables, ``party_identity.register_sealed_table``) under the first PII
    key, with one ``PII_KEYS_ROTATED`` audit row naming the table. Returns the last id
    done, or ``None`` when no row is left after ``after_id``."""
    rows = list(model.objects.select_for_update().filter(pk__gt=after_id).order_by("pk")[:batch])
    if not rows:
        return None
    changed = 0
    for row in rows:
        if row.identity_enc:
            row.identity_enc = crypto.rotate(row.identity_enc)
            changed += 1
    model.objects.bulk_update(rows, ["identity_enc"])
    audit(
        actor=acting_user,
        event=AuditEvent.PII_KEYS_ROTATED,
        target=model,
        first_id=rows[0].pk,
        last_id=rows[-1].pk,
        rows=len(rows),
        values=changed,
    )
    return int(rows[-1].pk)


def person_get(*, user: User, person_id: int) -> Person:
    """The person if ``user`` may read their record, else NotFound (404).

    Only the scopes of the roles that may read people count: a maintenance worker
    whose grid holds the person gets the same 404 as for an id that does not exist,
    not a 403 that would confirm it (test_permission_matrix).
    """
    scope = user.scope_set(*VIEW_ROLES)
    person = scope.filter(Person.objects.all()).filter(pk=person_id).first()
    if person is None:
        raise NotFound()
    return person
