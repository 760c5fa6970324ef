"""The notification outbox (发件箱), the in-app inbox (站内信) and webhook endpoints.

An ``OutboxMessage`` row is written in the same transaction as the change it is
about, one row per recipient per channel; delivery happens after commit and is
retried from the row, so a notification is never sent for a change that rolled
back and never lost for one that committed. See docs/subsystems/notifications.md.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from redprop.core.models import BaseModel
from redprop.notifications.choices import OPEN_STATES, Channel, OutboxStatus


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(BaseModel):
    """An outside system that receives events as signed JSON POSTs.

    It listens either to one organisation (the events whose handling unit it is) or
    to one region (the events about objects inside that region).
    """

    name = models.CharField(_("名称"), max_length=64)
    url = models.URLField(
        _("地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    # Kept in clear on purpose: it must be usable to sign (HMAC), unlike a password.
    secret = models.CharField(_("签名密钥"), max_length=128, default=new_webhook_secret)
    event_kinds = models.JSONField(
        _("事件类型"), default=list, blank=True, help_text=_("留空表示接收全部事件")
    )
    org = models.ForeignKey(
        "orgs.Org",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("单位"),
    )
    region = models.ForeignKey(
        "territory.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("区域"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("Webhook 接收端")
        verbose_name_plural = _("Webhook 接收端")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                name="webhook_org_xor_region",
                condition=Q(org__isnull=False, region__isnull=True)
                | Q(org__isnull=True, region__isnull=False),
                violation_error_message=_("请指定单位或区域（二选一）"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        kinds = self.event_kinds
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k for k in kinds):
            raise ValidationError(
                {"event_kinds": _('事件类型须为字符串列表，如 ["request.dispatched"]')}
            )

    def accepts(self, kind: str) -> bool:
        return not self.event_kinds or kind in self.event_kinds


class OutboxMessage(models.Model):
    """One notification to one recipient (or one webhook endpoint) on one channel."""

    kind = models.CharField(_("事件类型"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人"),
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("Webhook 接收端"),
    )
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    payload = models.JSONField(_("数据"), default=dict, blank=True)
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), default=timezone.now)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(_("投递时间"), null=True, blank=True)
    # "<caller's key>|<channel>|<recipient or endpoint>": one row per key, see outbox_enqueue.
    dedupe_key = models.CharField(_("去重键"), max_length=255, blank=True)
    # FANOUT rows only: who is to hear of it, and the place and unit that pick the
    # webhook endpoints (see notifications.audience).
    audience = models.JSONField(_("接收范围"), default=dict, blank=True)
    # The subject and body untranslated (message id and parameters), so the inbox can
    # show them in each reader's language (see notifications.texts).
    texts = models.JSONField(_("多语言文本"), default=dict, blank=True)

    class Meta:
        verbose_name = _("通知发件箱")
        verbose_name_plural = _("通知发件箱")
        indexes = [
            # The sweep: status IN (open) AND next_attempt_at <= now ORDER BY next_attempt_at.
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["target_type", "target_id"], name="outbox_target_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=~Q(dedupe_key=""),
                name="outbox_dedupe_key_unique",
            ),
            models.CheckConstraint(
                name="outbox_addressee_fits_channel",
                condition=Q(channel=Channel.WEBHOOK, endpoint__isnull=False, recipient__isnull=True)
                | Q(channel=Channel.FANOUT, endpoint__isnull=True, recipient__isnull=True)
                | (
                    ~Q(channel__in=[Channel.WEBHOOK, Channel.FANOUT])
                    & Q(recipient__isnull=False, endpoint__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        if self.channel == Channel.FANOUT:
            return f"{self.kind} → {self.get_channel_display()}"
        to = self.endpoint if self.channel == Channel.WEBHOOK else self.recipient
        return f"{self.kind} → {to} [{self.get_channel_display()}]"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def webhook_document(self) -> dict[str, Any]:
        """The JSON a webhook receives (its ``id`` is also the X-RedProp-Delivery header)."""
        return {
            "id": self.pk,
            "kind": self.kind,
            "created_at": self.created_at.isoformat(),
            "payload": self.payload,
            "target": {"type": self.target_type, "id": self.target_id}
            if self.target_type
            else None,
        }


class InboxItem(models.Model):
    """A notification in a user's in-app inbox (站内信)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="inbox_items",
        verbose_name=_("用户"),
    )
    kind = models.CharField(_("事件类型"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The subject and body untranslated, from the outbox row (notifications.texts).
    texts = models.JSONField(_("多语言文本"), default=dict, blank=True, editable=False)
    # The outbox row it came from; unique, so one message can never fill two items.
    source = models.OneToOneField(
        OutboxMessage,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbox_item",
        editable=False,
        verbose_name=_("来源消息"),
    )

    class Meta:
        verbose_name = _("站内信")
        verbose_name_plural = _("站内信")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="inbox_user_recent_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.subject}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def subject_text(self) -> str:
        """The subject in the reader's (active) language."""
        from redprop.notifications.texts import render

        return render(self.texts, "subject", self.subject)

    @property
    def body_text(self) -> str:
        from redprop.notifications.texts import render

        return render(self.texts, "body", self.body)
