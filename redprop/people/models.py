"""People and their personal information, protected under PIPL.

Each sensitive value is stored three ways: ``<f>_enc`` (Fernet ciphertext),
``<f>_bidx`` (HMAC blind index, for exact-match lookups) and ``<f>_masked``
(the form shown by default). Plaintext is never stored and is read only through
``people.services.person_reveal``, which checks the role and writes an
``PiiAccessLog`` row.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core import crypto
from redprop.core.models import ChainedLog, ScopedModel, append_only_triggers
from redprop.people.choices import Gender, SensitiveField
from redprop.people.masking import mask_name

ADULT_AGE = 18


class PersonTag(models.Model):
    """A tag describing a person's situation; ``sensitive`` tags are stored encrypted."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=32)
    sensitive = models.BooleanField(_("敏感"), default=False)

    class Meta:
        verbose_name = _("人员标签")
        verbose_name_plural = _("人员标签")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Person(ScopedModel):
    """A resident, owner, worker or member: someone the platform knows by name."""

    # Scope columns come from the person's home unit (empty for staff from elsewhere).
    name = models.CharField(_("姓名"), max_length=32)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)

    id_number_enc = models.TextField(_("身份证号码(密文)"), blank=True, editable=False)
    id_number_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("身份证号码"), max_length=24, blank=True, editable=False)

    mobile_enc = models.TextField(_("手机号码(密文)"), blank=True, editable=False)
    mobile_bidx = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    mobile_masked = models.CharField(_("手机号码"), max_length=16, blank=True, editable=False)

    birth_date_enc = models.TextField(blank=True, editable=False)
    # Encrypted JSON blob: {"tags": [sensitive tag codes]} (elderly living alone,
    # disability, low income, party member, child…); more keys may be added.
    sensitive_enc = models.TextField(blank=True, editable=False)

    tags = models.ManyToManyField(
        PersonTag,
        blank=True,
        related_name="people",
        verbose_name=_("标签"),
        limit_choices_to={"sensitive": False},
    )

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_bidx"],
                condition=~Q(id_number_bidx=""),
                name="person_id_number_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    # --- derived, non-sensitive ---------------------------------------------------
    @property
    def is_minor(self) -> bool:
        if self.birth_year is None:
            return False
        # Only the year is in clear: count the 18th birthday year as still a minor
        # (masking a few adults is the safe side of the error).
        return timezone.localdate().year - self.birth_year <= ADULT_AGE

    @property
    def display_name(self) -> str:
        """The name as shown by default: a minor's name is masked (PIPL art. 28)."""
        return mask_name(self.name) if self.is_minor else self.name

    # --- sensitive values: set here, read only via services.person_reveal ----------
    def set_id_number(self, id_number: str) -> None:
        from redprop.people.masking import mask_id_number
        from redprop.people.validation import birth_date_of, gender_of

        self.id_number_enc = crypto.encrypt(id_number)
        self.id_number_bidx = crypto.blind_index(id_number, purpose=SensitiveField.ID_NUMBER)
        self.id_number_masked = mask_id_number(id_number)
        birth = birth_date_of(id_number)
        self.set_birth_date(birth)
        self.gender = self.gender or gender_of(id_number)

    def set_mobile(self, mobile: str) -> None:
        from redprop.people.masking import mask_mobile

        self.mobile_enc = crypto.encrypt(mobile)
        self.mobile_bidx = mobile_bidx(mobile)
        self.mobile_masked = mask_mobile(mobile)

    def set_birth_date(self, birth: dt.date) -> None:
        self.birth_date_enc = crypto.encrypt(birth.isoformat())
        self.birth_year = birth.year

    def set_sensitive(self, data: dict[str, Any]) -> None:
        self.sensitive_enc = crypto.encrypt(json.dumps(data, ensure_ascii=False, sort_keys=True))

    def _sensitive(self) -> dict[str, Any]:
        """Decrypt the blob. Private: callers go through ``person_reveal``."""
        return json.loads(crypto.decrypt(self.sensitive_enc)) if self.sensitive_enc else {}


def mobile_bidx(mobile: str) -> str:
    return crypto.blind_index(mobile, purpose=SensitiveField.MOBILE)


class PiiAccessLog(ChainedLog):
    """One unmasked read of one field of one person: who, whom, which, why, when.

    Append-only and hash-chained (``core.models.ChainedLog``); written only by
    ``people.services.pii_access_log_append``.
    """

    CHAIN_FIELDS = ("at", "actor_id", "person_id", "field", "reason", "context")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    # Empty actor = the system itself (e.g. an SMS gateway reading a number to send to).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("查看人"),
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="access_log", verbose_name=_("被查看人")
    )
    field = models.CharField(_("字段"), max_length=24, choices=SensitiveField.choices)
    reason = models.CharField(_("事由"), max_length=200)
    context = models.CharField(_("场景"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")
        ordering = ["-at", "-id"]
        triggers = append_only_triggers()
        base_manager_name = "objects"  # the guarded manager, as core.AuditLog

    def __str__(self) -> str:
        return f"{self.actor} → {self.person_id} {self.field}"


def _person_resident_q(person_id: int) -> Q:
    """A resident sees themself and the people of their own household."""
    return Q(pk=person_id) | Q(occupancies__unit__occupants__person_id=person_id)


Person.resident_scope_q = classmethod(lambda cls, person_id: _person_resident_q(person_id))  # type: ignore[method-assign,assignment]
