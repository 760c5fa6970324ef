"""Online payment providers: a small interface and the offline demo provider.

A provider takes a :class:`~redprop.fees.models.PaymentOrder` to its cashier page and
later posts a signed callback. The platform verifies the signature, recognises a
replay (the same ``event_id`` twice) and checks order and amount before recording the
payment (``services.callback_receive``). A real provider (a bank, WeChat Pay, Alipay)
is one more class with its own verification, registered in ``PROVIDERS``.

The demo provider signs with HMAC-SHA256 under ``settings.REDPROP_FEES_DEMO_KEY``: the
whole flow runs with no network, and a callback with a wrong signature is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

from django.conf import settings


class CallbackInvalid(Exception):
    """The body is not a callback of this provider (malformed, or a bad signature)."""


@dataclass(frozen=True)
class CallbackData:
    event_id: str  # unique per callback: a replay carries the same one
    order_no: str
    provider_ref: str  # the provider's transaction number: the payment's reference
    amount_fen: int
    paid: bool


class Provider:
    name: ClassVar[str] = ""
    label: ClassVar[str] = ""

    def cashier_url(self, order: Any) -> str:
        raise NotImplementedError

    def verify(self, body: bytes, signature: str) -> CallbackData:
        raise NotImplementedError


def _demo_key() -> bytes:
    key = getattr(settings, "REDPROP_FEES_DEMO_KEY", "") or settings.SECRET_KEY
    return hashlib.sha256(f"redprop.fees.demo:{key}".encode()).digest()


class DemoProvider(Provider):
    """演示支付: a cashier page on this server that signs its callback locally."""

    name = "demo"
    label = "演示支付"

    def cashier_url(self, order: Any) -> str:
        from django.urls import reverse

        return reverse("fees:demo_cashier", kwargs={"order_no": order.order_no})

    @staticmethod
    def sign(body: bytes) -> str:
        return hmac.new(_demo_key(), body, hashlib.sha256).hexdigest()

    def build_callback(self, *, order_no: str, amount_fen: int, paid: bool = True) -> bytes:
        """What the demo cashier posts when the payer confirms (a fresh event)."""
        data = {
            "event_id": "evt_" + secrets.token_hex(12),
            "order_no": order_no,
            "transaction_id": "DEMO" + secrets.token_hex(10).upper(),
            "amount": f"{amount_fen // 100}.{amount_fen % 100:02d}",
            "status": "paid" if paid else "failed",
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()

    def verify(self, body: bytes, signature: str) -> CallbackData:
        from redprop.fees.money import AmountError, parse_yuan

        expected = self.sign(body)
        if not signature or not hmac.compare_digest(expected, signature.strip().lower()):
            raise CallbackInvalid("bad signature")
        try:
            data = json.loads(body)
            amount = parse_yuan(str(data["amount"]))
            return CallbackData(
                event_id=str(data["event_id"])[:64],
                order_no=str(data["order_no"])[:32],
                provider_ref=str(data["transaction_id"])[:64],
                amount_fen=amount,
                paid=data["status"] == "paid",
            )
        except (ValueError, KeyError, TypeError, AmountError) as exc:
            raise CallbackInvalid("malformed") from exc


PROVIDERS: dict[str, Provider] = {DemoProvider.name: DemoProvider()}


def get_provider(name: str) -> Provider | None:
    return PROVIDERS.get(name)
