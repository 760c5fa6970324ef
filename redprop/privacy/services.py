"""A resident's data rights: download their own data, ask for deletion; staff carry
the deletion out as an anonymisation that leaves every statistic unchanged.

PIPL arts. 44–47. Decisions in docs/adr/0011-audit-chain-and-data-rights.md.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.core import crypto
from redprop.core.audit import audit
from redprop.core.errors import ApplicationError, NotFound
from redprop.core.models import AuditEvent
from redprop.notifications.models import InboxItem
from redprop.orgs import services as orgs_services
from redprop.party import services as party_services
from redprop.people.choices import SensitiveField
from redprop.people.models import Person
from redprop.people.services import pii_access_log_append
from redprop.privacy.choices import ErasureStatus
from redprop.privacy.errors import PrivacyError
from redprop.privacy.models import REASON_MAX, ErasureRequest
from redprop.requests import search
from redprop.requests.choices import EventKind
from redprop.requests.models import Rating, RequestEvent, RequestPhoto, ServiceRequest

if TYPE_CHECKING:
    from redprop.accounts.models import User

# Stored data, not interface text: what replaces a deleted person's words and name.
ERASED_TEXT = gettext_noop("（已应本人要求删除）")
ERASED_NAME = gettext_noop("已注销居民")
SELF_ACCESS_REASON = gettext_noop("本人查阅、复制个人信息")
# Timeline entries whose note is the resident's own words.
RESIDENT_TEXT_EVENTS = (
    EventKind.FILED,
    EventKind.RATED,
    EventKind.REOPENED,
    EventKind.CANCELLED,
    EventKind.NOTE,
)
# Who carries out or rejects a deletion request, inside their scope.
ERASURE_ROLES = (Role.COMMUNITY_STAFF, Role.SYSADMIN)


def _own_person(user: User) -> Person:
    person: Person | None = getattr(user, "person", None)
    if person is None:
        raise ApplicationError(PrivacyError.NO_PERSON, _("您的账号没有关联居民信息"), status=404)
    return person


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


@transaction.atomic
def personal_data_export(*, acting_user: User) -> dict[str, Any]:
    """Everything the platform holds about the user's own person, unmasked (PIPL art.
    45, 查阅复制权). Each decrypted field is logged on the PII access log as a
    self-access; the download itself is an audit row (without the values)."""
    person = Person.objects.get(pk=_own_person(acting_user).pk)
    encrypted = {
        SensitiveField.ID_NUMBER: person.id_number_enc,
        SensitiveField.MOBILE: person.mobile_enc,
        SensitiveField.BIRTH_DATE: person.birth_date_enc,
    }
    clear = {field: crypto.decrypt(value) for field, value in encrypted.items() if value}
    sensitive_tags = person._sensitive().get("tags", []) if person.sensitive_enc else []
    logged = [*clear, *([SensitiveField.SENSITIVE_TAGS] if person.sensitive_enc else [])]
    # The download answers "party member or not" from the sealed rows below: logged for
    # everyone, so the log itself does not tell members apart.
    logged.append(SensitiveField.PARTY_MEMBERSHIP)
    for field in logged:
        pii_access_log_append(
            person=person,
            field=field,
            reason=SELF_ACCESS_REASON,
            context="self_export",
            acting_user=acting_user,
        )
    audit(
        actor=acting_user,
        event=AuditEvent.PERSONAL_DATA_EXPORTED,
        target=person,
        after={},
        fields=[str(f) for f in logged],
    )
    from redprop.territory.models import Occupancy, Ownership

    units: list[dict[str, Any]] = []
    for own in Ownership.objects.filter(person=person).select_related("unit__compound"):
        units.append(
            {
                "unit": own.unit.label,
                "compound": own.unit.compound.name,
                "as": "owner",
                "share": str(own.share),
            }
        )
    for occ in Occupancy.objects.filter(person=person).select_related("unit__compound"):
        units.append(
            {
                "unit": occ.unit.label,
                "compound": occ.unit.compound.name,
                "as": "occupant",
                "relation": occ.relation,
                "since": _iso(occ.since),
            }
        )
    requests = [
        {
            "number": r.number,
            "filed_at": _iso(r.created_at),
            "category": r.category.name,
            "status": r.status,
            "description": r.description,
            "location": r.location_text,
            "anonymous": r.anonymous,
        }
        for r in ServiceRequest.objects.filter(reporter=person)
        .select_related("category")
        .order_by("pk")
    ]
    ratings = [
        {
            "request": f"RP{rating.request_id:08d}",
            "at": _iso(rating.created_at),
            "score": rating.score,
            "solved": rating.solved,
            "comment": rating.comment,
        }
        for rating in Rating.objects.filter(by=acting_user).order_by("pk")
    ]
    return {
        "generated_at": _iso(timezone.now()),
        "person": {
            "name": person.name,
            "gender": person.gender,
            "birth_year": person.birth_year,
            "birth_date": clear.get(SensitiveField.BIRTH_DATE, ""),
            "id_number": clear.get(SensitiveField.ID_NUMBER, ""),
            "mobile": clear.get(SensitiveField.MOBILE, ""),
            "tags": sorted(t.code for t in person.tags.all()),
            "sensitive_tags": sensitive_tags,
        },
        "account": {
            "username": acting_user.username,
            "email": acting_user.email,
            "date_joined": _iso(acting_user.date_joined),
            "last_login": _iso(acting_user.last_login),
        },
        "units": units,
        "requests": requests,
        "ratings": ratings,
        # Party membership is held encrypted by the party app and by the
        # organisational relation (orgs, sealed the same way); the read is logged above.
        "party": party_services.member_personal_data(person_id=person.pk),
        "party_organisation": orgs_services.party_membership_personal_data(person_id=person.pk),
        "erasure_requests": [
            {
                "at": _iso(e.created_at),
                "status": e.status,
                "decided_at": _iso(e.decided_at),
                "note": e.decision_note,
            }
            for e in ErasureRequest.objects.filter(person=person).order_by("pk")
        ],
    }


def personal_data_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


@transaction.atomic
def erasure_request_create(*, reason: str = "", acting_user: User) -> ErasureRequest:
    """Record the user's request that their personal information be deleted. One
    pending request per person (409 otherwise)."""
    person = _own_person(acting_user)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ApplicationError(
            PrivacyError.REASON_TOO_LONG,
            _("说明不能超过 %(n)s 个字") % {"n": REASON_MAX},
            field="reason",
        )
    pending = _("您已提交删除申请，正在处理中")
    if ErasureRequest.objects.filter(person=person, status=ErasureStatus.PENDING).exists():
        raise ApplicationError(PrivacyError.ERASURE_PENDING, pending, status=409)
    try:
        with transaction.atomic():
            erasure = ErasureRequest.objects.create(
                person=person, requested_by=acting_user, reason=reason
            )
    except IntegrityError as exc:  # a double click: the partial unique constraint
        raise ApplicationError(PrivacyError.ERASURE_PENDING, pending, status=409) from exc
    # No free text in the log: the reason is the resident's words and goes with them.
    audit(
        actor=acting_user,
        event=AuditEvent.ERASURE_REQUESTED,
        target=erasure,
        after={"person": person.pk, "status": erasure.status},
    )
    return erasure


def can_decide_erasure(user: User, erasure: ErasureRequest) -> bool:
    """Community staff of the person's community, or the system administrator."""
    roles = [r for r in user.role_names() if r in ERASURE_ROLES]
    return bool(roles) and user.scope_set(*roles).contains(erasure.person)


def _decidable(erasure: ErasureRequest, acting_user: User) -> ErasureRequest:
    erasure = ErasureRequest.objects.select_for_update().get(pk=erasure.pk)
    if not acting_user.scope_set().contains(erasure.person):
        raise NotFound()
    if not can_decide_erasure(acting_user, erasure):
        raise ApplicationError(
            PrivacyError.ERASURE_NOT_ALLOWED, _("您的角色无权处理删除申请"), status=403
        )
    if erasure.status != ErasureStatus.PENDING:
        raise ApplicationError(PrivacyError.ERASURE_DECIDED, _("该申请已处理"), status=409)
    return erasure


@transaction.atomic
def erasure_request_carry_out(*, erasure: ErasureRequest, acting_user: User) -> ErasureRequest:
    """Anonymise the person (PIPL art. 47) and close the request.

    Removed: name, gender, birth year and date, ID number, mobile (ciphertext, blind
    index and masked form), every tag; the linked logins are switched off and
    renamed; the person's own words (request descriptions and locations, rating
    comments, their notes on timelines) are replaced; their inbox is emptied; the
    photos they uploaded (often the inside of their home) are deleted, rows and
    files (the files once the transaction commits). The workers' photos of the
    same requests are work records and stay.
    Kept: the person row and its household links, and every request, event,
    rating score and rollup, so counts and rates stay as they were. The audit and
    PII access logs are kept as the law requires (art. 47 para. 2).
    """
    erasure = _decidable(erasure, acting_user)
    person = Person.objects.select_for_update().get(pk=erasure.person_id)
    person.name = ERASED_NAME
    person.gender = ""
    person.birth_year = None
    for prefix in ("id_number", "mobile"):
        for suffix in ("enc", "bidx", "masked"):
            setattr(person, f"{prefix}_{suffix}", "")
    person.birth_date_enc = ""
    person.sensitive_enc = ""
    person.save()
    person.tags.clear()

    users = list(get_user_model().objects.select_for_update().filter(person=person))
    for user in users:
        user.username = f"erased-{user.pk}"
        user.email = ""
        user.first_name = user.last_name = ""
        if hasattr(user, "display_name"):
            user.display_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    erased_search = search.document_tokens(ERASED_TEXT)
    counts = {
        "requests": ServiceRequest.objects.filter(reporter=person).update(
            description=ERASED_TEXT, location_text="", search_text=erased_search
        ),
        "ratings": Rating.objects.filter(by__in=users)
        .exclude(comment="")
        .update(comment=ERASED_TEXT),
        "notes": RequestEvent.objects.filter(actor__in=users, kind__in=RESIDENT_TEXT_EVENTS)
        .exclude(note="")
        .update(note=ERASED_TEXT),
        "inbox": InboxItem.objects.filter(user__in=users).delete()[0],
        "photos": _erase_own_photos(users),
        "logins": len(users),
    }
    # Party membership goes too, uncounted: a count in the audit record (kept after the
    # erasure, read by auditors) would say that this person was a party member.
    party_services.member_erase_person(person_id=person.pk, acting_user=acting_user)
    orgs_services.party_membership_erase_person(person_id=person.pk, acting_user=acting_user)
    erasure.status = ErasureStatus.DONE
    erasure.reason = ""  # their own words, like the rest
    erasure.decided_at = timezone.now()
    erasure.decided_by = acting_user
    erasure.save()
    audit(actor=acting_user, event=AuditEvent.ERASURE_DONE, target=erasure, counts=counts)
    return erasure


def _erase_own_photos(users: list[Any]) -> int:
    """Delete the photos these logins uploaded; their files go after the commit."""
    photos = list(RequestPhoto.objects.filter(uploaded_by__in=users).only("pk", "image"))
    if not photos:
        return 0
    storage = RequestPhoto._meta.get_field("image").storage
    names = [p.image.name for p in photos if p.image.name]

    def remove_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return RequestPhoto.objects.filter(pk__in=[p.pk for p in photos]).delete()[0]


@transaction.atomic
def erasure_request_reject(
    *, erasure: ErasureRequest, note: str, acting_user: User
) -> ErasureRequest:
    """Refuse with a reason the resident reads (PIPL art. 50: a refusal is explained),
    e.g. the data must be kept by law (owners' register, unpaid fees)."""
    note = (note or "").strip()
    if len(note) < 2 or len(note) > REASON_MAX:
        raise ApplicationError(
            PrivacyError.NOTE_REQUIRED,
            _("驳回须填写理由（2–%(n)s 个字）") % {"n": REASON_MAX},
            field="note",
        )
    erasure = _decidable(erasure, acting_user)
    erasure.status = ErasureStatus.REJECTED
    erasure.decided_at = timezone.now()
    erasure.decided_by = acting_user
    erasure.decision_note = note
    erasure.save()
    audit(actor=acting_user, event=AuditEvent.ERASURE_REJECTED, target=erasure)
    return erasure
