"""Open311 GeoReport v2: client keys, the extra questions of a service, and what a
client sent with each request it filed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.open311.choices import Datatype


class ClientKey(models.Model):
    """An API key of one client system (e.g. the city's 12345 hotline). Only its
    SHA-256 is stored; the key is shown once when issued. It files as its own service
    account, whose one role (``hotline``) is anchored to the key's street, district or
    city: the scope of what it may file and read."""

    name = models.CharField(_("客户系统"), max_length=64)
    prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="open311_key",
        verbose_name=_("服务账号"),
    )
    region = models.ForeignKey(
        "territory.Region", models.PROTECT, related_name="+", verbose_name=_("范围")
    )
    channel = models.CharField(_("渠道"), max_length=16, default="hotline")
    per_minute = models.PositiveIntegerField(_("每分钟限额"), default=60)
    created_at = models.DateTimeField(_("签发时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 密钥")
        verbose_name_plural = _("Open311 密钥")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(per_minute__gte=1), name="open311_key_rate")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def usable(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class ServiceAttribute(models.Model):
    """An extra question a service (request category) asks when filed through Open311
    (GeoReport v2 "service definition")."""

    category = models.ForeignKey(
        "requests.Category",
        models.CASCADE,
        related_name="open311_attributes",
        verbose_name=_("分类"),
    )
    code = models.SlugField(_("代码"), max_length=32)
    variable = models.BooleanField(_("需要填写"), default=True)
    datatype = models.CharField(_("类型"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("必填"), default=False)
    datatype_description = models.CharField(_("类型说明"), max_length=128, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=1)
    description = models.CharField(_("问题"), max_length=256)
    values = models.JSONField(
        _("选项"), default=list, blank=True, help_text=_('例如 [{"key": "1", "name": "一楼"}]')
    )

    class Meta:
        verbose_name = _("Open311 附加问题")
        verbose_name_plural = _("Open311 附加问题")
        ordering = ["category_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code")
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.code}"


class Submission(models.Model):
    """What a client sent with a request it filed: its answers to the service's
    questions, its own ids, and a token the client may poll. The contact fields a
    client may send (name, phone, e-mail) are not kept here: the phone goes to the
    request's reporter as protected personal information (people app), the rest is
    not stored (docs/api/open311.md)."""

    token = models.CharField(max_length=32, unique=True)
    client = models.ForeignKey(ClientKey, models.PROTECT, related_name="submissions")
    request = models.OneToOneField(
        "requests.ServiceRequest", models.CASCADE, related_name="open311_submission"
    )
    idempotency_key = models.CharField(max_length=128, blank=True)
    body_hash = models.CharField(max_length=64)
    attributes = models.JSONField(default=dict, blank=True)
    device_id = models.CharField(max_length=64, blank=True)
    account_id = models.CharField(max_length=64, blank=True)
    media_url = models.URLField(max_length=512, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("Open311 提交记录")
        verbose_name_plural = _("Open311 提交记录")
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="open311_idempotency_once",
            )
        ]

    def __str__(self) -> str:
        return self.token
