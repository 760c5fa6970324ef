from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a notification reaches someone (通知渠道)."""

    INBOX = "inbox", _("站内信")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WEBHOOK = "webhook", _("Webhook")
    # Not a way to reach anyone: a message to an audience (e.g. "the unit's staff and
    # the assignee") that the relay expands into one row per recipient and channel.
    FANOUT = "fanout", _("待展开")


class OutboxStatus(models.TextChoices):
    """pending → delivered | retrying → … → delivered | dead. See docs/subsystems/notifications.md."""

    PENDING = "pending", _("待投递")
    RETRYING = "retrying", _("重试中")
    DELIVERED = "delivered", _("已投递")
    DEAD = "dead", _("死信")


# Messages the sweep still works on; the other states are final.
OPEN_STATES = frozenset({OutboxStatus.PENDING, OutboxStatus.RETRYING})
CLOSED_STATES = frozenset({OutboxStatus.DELIVERED, OutboxStatus.DEAD})

# Delivered inside the database transaction that marks them delivered (exactly once);
# every other channel talks to the outside world after the transaction (at least once).
LOCAL_CHANNELS = frozenset({Channel.INBOX, Channel.FANOUT})
