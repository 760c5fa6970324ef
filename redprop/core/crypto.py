"""Encryption at rest and blind indexes for personal information (PIPL arts. 28–29).

Ciphertext: Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``; a
``MultiFernet`` over ``REDPROP_PII_KEYS`` encrypts with the first key and decrypts
with any, so keys rotate without downtime (``manage.py rotate_pii_keys``).
Blind index: HMAC-SHA256 under a separate key over the normalised value, for
exact-match lookups (login by mobile, duplicate ID checks) without decryption.
See docs/adr/0002-pii-encryption.md.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    return MultiFernet(
        [Fernet(k.encode() if isinstance(k, str) else k) for k in settings.REDPROP_PII_KEYS]
    )


@receiver(setting_changed)
def _reset(*, setting: str, **_: object) -> None:
    if setting in ("REDPROP_PII_KEYS", "REDPROP_BLIND_INDEX_KEY"):
        _fernet.cache_clear()


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt under the primary key (no-op in meaning, new ciphertext)."""
    return _fernet().rotate(token.encode()).decode()


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed HMAC of a normalised value; ``purpose`` separates fields."""
    key = settings.REDPROP_BLIND_INDEX_KEY.encode()
    msg = f"{purpose}:{value}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()
