"""亮牌上岗、亮身份: the party badge shown beside a worker, only with their consent.

Pages ask ``badge_for_person``/``badge_for_user``; a member without a standing consent
(never given, or withdrawn) gets ``None`` and the page shows nothing — not even that a
badge is withheld. The lookup is by the blind index: no decryption.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from redprop.party.models import ShowConsent, person_bidx


def badge_for_person(person_id: int | None) -> dict[str, Any] | None:
    if not person_id:
        return None
    consent = (
        ShowConsent.objects.filter(
            member__person_bidx=person_bidx(person_id),
            member__left_on__isnull=True,
            withdrawn_at__isnull=True,
        )
        .select_related("member__party_org")
        .first()
    )
    if consent is None:
        return None
    return {
        "label": _("共产党员"),
        "org": consent.member.party_org.name,
        "since": consent.granted_at,
    }


def badge_for_user(user: Any) -> dict[str, Any] | None:
    return badge_for_person(getattr(user, "person_id", None))


def badges_for_people(person_ids: list[int]) -> set[int]:
    """Which of these people show the badge (one query)."""
    index = {person_bidx(p): p for p in person_ids if p}
    shown = ShowConsent.objects.filter(
        member__person_bidx__in=list(index),
        member__left_on__isnull=True,
        withdrawn_at__isnull=True,
    ).values_list("member__person_bidx", flat=True)
    return {index[b] for b in shown}
