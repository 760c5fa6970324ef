"""SMS gateways (短信网关). The one used is named by ``settings.REDPROP_SMS_BACKEND``.

A backend gets the plaintext number and the text and either sends it or raises;
any exception makes the outbox try again later, so ``send`` must not swallow
errors. A real gateway (Aliyun, Tencent Cloud, a carrier's CMPP) is a subclass
with ``send`` calling its API.
"""

from __future__ import annotations

import sys
from typing import ClassVar, TextIO

from django.conf import settings
from django.utils.module_loading import import_string

from redprop.core.logging import mask_pii_text

DEFAULT_SMS_BACKEND = "redprop.notifications.sms.ConsoleSmsBackend"


class SmsBackend:
    """The interface: send one text message to one mobile number, or raise."""

    def send(self, mobile: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """For the demo and development: print the message to stdout, the number masked.

    It sends nothing, so production refuses to start with it unless
    ``REDPROP_ALLOW_CONSOLE_SMS`` says so (``notifications.E001`` in checks.py).
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, mobile: str, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"[短信] {mask_pii_text(mobile)}: {mask_pii_text(text)}\n")
        stream.flush()


class LocmemSmsBackend(SmsBackend):
    """For tests: keep the messages in ``LocmemSmsBackend.outbox`` (like ``mail.outbox``)."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, mobile: str, text: str) -> None:
        self.outbox.append((mobile, text))


def get_sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(
        getattr(settings, "REDPROP_SMS_BACKEND", DEFAULT_SMS_BACKEND)
    )()
    return backend
