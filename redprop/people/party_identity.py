"""党员身份 (party membership) sealed for storage: a keyed blind index of the person, the
identity as ciphertext and a masked name, so a table of memberships says how many members
an organisation has and never who they are (PIPL art. 28: sensitive personal
information; docs/adr/0002-pii-encryption.md).

Both tables that record a membership use it: the foundation's organisational relation
(``orgs.PartyMembership``) and the party app's company members (``party.Member``). They
share one index purpose, so "is this person a party member?" is one exact-match lookup
per table, without decryption.

The apps that hold memberships sit above ``people``: they register a lookup here when
they are ready (``register_membership_lookup``), and ``people.services.person_reveal``
asks :func:`is_party_member` without importing them (docs/architecture.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redprop.core import crypto
from redprop.people.masking import mask_name

BIDX_PURPOSE = "party_member"
NAME_MASKED_MAX = 16

Lookup = Callable[[str], bool]

_LOOKUPS: dict[str, Lookup] = {}
_SEALED: dict[str, Any] = {}  # label -> model with an ``identity_enc`` column


def person_bidx(person_id: int) -> str:
    """The blind index of a person as a party member (HMAC under the index key)."""
    return crypto.blind_index(str(int(person_id)), purpose=BIDX_PURPOSE)


def identity_seal(*, person_id: int, name: str, **extra: Any) -> tuple[str, str, str]:
    """``(person_bidx, identity_enc, name_masked)`` for a member: the blind index, the
    JSON ``{"person_id", "name", **extra}`` encrypted, and the masked name lists show."""
    enc = crypto.encrypt(
        json.dumps(
            {"person_id": int(person_id), "name": name, **extra},
            ensure_ascii=False,
            sort_keys=True,
        )
    )
    return person_bidx(person_id), enc, mask_name(name)[:NAME_MASKED_MAX]


def identity_open(identity_enc: str) -> dict[str, Any]:
    """Decrypt a sealed identity. Callers keep it private: display is the masked name,
    a read in clear goes through a service that checks the role and logs it."""
    data: dict[str, Any] = json.loads(crypto.decrypt(identity_enc))
    return data


def register_membership_lookup(name: str, lookup: Lookup) -> None:
    """Called by an app that records memberships (its ``AppConfig.ready``): ``lookup``
    answers whether a blind index (:func:`person_bidx`) is a member there now."""
    _LOOKUPS[name] = lookup


def is_party_member(person_id: int) -> bool:
    """Whether any registered table holds this person as a party member."""
    bidx = person_bidx(person_id)
    return any(lookup(bidx) for lookup in _LOOKUPS.values())


def register_sealed_table(model: Any) -> None:
    """Called by an app whose ``model`` keeps sealed identities in ``identity_enc``, so
    that ``manage.py rotate_pii_keys`` re-encrypts them with the people's columns."""
    _SEALED[model._meta.label] = model


def sealed_tables() -> list[Any]:
    """The registered models holding sealed identities, in a stable order."""
    return [_SEALED[label] for label in sorted(_SEALED)]
