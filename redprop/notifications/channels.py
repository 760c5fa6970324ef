"""The delivery channels: in-app inbox, email, SMS and signed webhooks.

``deliver_local`` writes inside the caller's transaction (the inbox). ``send``
talks to the outside world and is called outside any transaction; it returns on
success and raises ``DeliveryError`` (try again later) or ``PermanentFailure``
(trying again cannot help) otherwise. Any other exception also means "try again".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_noop

from redprop.notifications.choices import Channel
from redprop.notifications.models import InboxItem, OutboxMessage
from redprop.notifications.sms import get_sms_backend
from redprop.people.services import person_mobile_system_read

SMS_PII_REASON = gettext_noop("短信通知")
USER_AGENT = "RedProp-Webhook/1"


class DeliveryError(Exception):
    """This try failed; the outbox tries again later."""


class PermanentFailure(DeliveryError):
    """Trying again cannot help (no address any more, endpoint switched off): dead letter."""


# --- inbox (local: same transaction as the status change) ---------------------------


def inbox_item(message: OutboxMessage) -> InboxItem:
    """The (unsaved) inbox item an inbox message becomes."""
    if message.channel != Channel.INBOX or message.recipient_id is None:  # pragma: no cover
        raise ValueError(f"not an inbox message: {message.pk}")
    return InboxItem(
        user_id=message.recipient_id,
        kind=message.kind,
        subject=message.subject,
        body=message.body,
        link=message.link,
        texts=message.texts,
        created_at=message.created_at,
        source=message,
    )


def deliver_local(message: OutboxMessage) -> None:
    inbox_item(message).save()


# --- remote channels -------------------------------------------------------------------


def send(message: OutboxMessage, *, now: dt.datetime) -> None:
    senders: dict[str, Callable[[OutboxMessage, dt.datetime], None]] = {
        Channel.EMAIL: _send_email,
        Channel.SMS: _send_sms,
        Channel.WEBHOOK: _send_webhook,
    }
    senders[message.channel](message, now)


def absolute_link(link: str) -> str:
    if not link:
        return ""
    return urljoin(getattr(settings, "REDPROP_SITE_URL", ""), link)


def _send_email(message: OutboxMessage, now: dt.datetime) -> None:
    user = message.recipient
    if user is None or not user.is_active or not user.email:
        raise PermanentFailure(gettext_noop("接收人没有可用的电子邮箱"))
    text = message.body
    if message.link:
        text = f"{text}\n\n{absolute_link(message.link)}"
    send_mail(message.subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])


def sms_text(message: OutboxMessage) -> str:
    return f"{message.subject}：{message.body}" if message.body else message.subject


def _send_sms(message: OutboxMessage, now: dt.datetime) -> None:
    user = message.recipient
    person = user.person if user is not None and user.is_active else None
    if person is None or not person.mobile_enc:
        raise PermanentFailure(gettext_noop("接收人没有登记手机号码"))
    # The number is read in clear only here, by the system itself, and the read is logged.
    mobile = person_mobile_system_read(person=person, reason=SMS_PII_REASON, context="sms")
    get_sms_backend().send(mobile, sms_text(message))


def webhook_signature(secret: str, timestamp: str, body: str) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"``: a receiver recomputes and compares."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return mac.hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not a delivery (urllib would turn the POST into a GET): fail instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _send_webhook(message: OutboxMessage, now: dt.datetime) -> None:
    endpoint = message.endpoint
    if endpoint is None or not endpoint.is_active:
        raise PermanentFailure(gettext_noop("Webhook 接收端已停用"))
    if not endpoint.url.startswith(("http://", "https://")):
        raise PermanentFailure(gettext_noop("Webhook 地址必须以 http:// 或 https:// 开头"))
    body = json.dumps(
        message.webhook_document(),
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    timestamp = str(int(now.timestamp()))
    request = urllib.request.Request(  # noqa: S310 -- scheme checked above
        endpoint.url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-RedProp-Event": message.kind,
            "X-RedProp-Delivery": str(message.pk),
            "X-RedProp-Timestamp": timestamp,
            "X-RedProp-Signature": "sha256=" + webhook_signature(endpoint.secret, timestamp, body),
        },
    )
    timeout = float(getattr(settings, "REDPROP_WEBHOOK_TIMEOUT_SECONDS", 5))
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, DNS, TLS, timeout
        raise DeliveryError(
            gettext_noop("网络错误：%(reason)s") % {"reason": getattr(exc, "reason", exc)}
        ) from exc
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status}")
