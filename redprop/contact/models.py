"""联系记录: each time a handler reached the reporter of an order (ADR 0014)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.contact.choices import ContactMethod


class ContactRecord(models.Model):
    """One contact of one reporter about one order: who, whom, how, through which gateway.

    Append-only, like the PII access log it sits beside (the log holds the read of
    the number, this row holds the call). The reporter's number is never stored here:
    only the gateway's virtual number (中间号) and its call id.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    request = models.ForeignKey(
        "requests.ServiceRequest",
        models.PROTECT,
        related_name="+",
        verbose_name=_("诉求"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("联系人")
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="+", verbose_name=_("被联系人")
    )
    method = models.CharField(_("方式"), max_length=16, choices=ContactMethod.choices)
    gateway = models.CharField(_("隐私号网关"), max_length=64, blank=True)
    call_id = models.CharField(_("呼叫编号"), max_length=64, blank=True)
    virtual_number = models.CharField(_("中间号"), max_length=20, blank=True)
    caller_number = models.CharField(_("主叫工作电话"), max_length=20, blank=True)
    expires_at = models.DateTimeField(_("绑定到期"), null=True, blank=True)

    class Meta:
        verbose_name = _("联系记录")
        verbose_name_plural = _("联系记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["request", "-at"], name="contact_request_at")]

    def __str__(self) -> str:
        return f"{self.actor} → {self.person_id} ({self.method})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("联系记录只能追加")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("联系记录只能追加，不能删除")
