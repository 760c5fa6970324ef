"""Number-masking gateways (隐私号 / 中间号). The one used is ``settings.REDPROP_CONTACT_GATEWAY``.

A gateway binds a caller's work phone (A) to the callee's mobile (B) for a while
and returns a virtual number (X): A dials X and reaches B, and B sees X, so
neither learns the other's own number. Carriers and cloud vendors (the three
operators' 隐私号 services, Aliyun 号码隐私保护, Tencent Cloud) offer this "AXB"
binding; a real backend is a subclass whose ``bind`` calls that API and raises on
failure (the service then writes nothing and says the call could not be placed).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from redprop.people.masking import mask_mobile

logger = logging.getLogger("redprop.contact")

DEFAULT_GATEWAY = "redprop.contact.gateways.DemoGateway"


@dataclass(frozen=True)
class Bridge:
    """A live AXB binding: dial ``virtual_number`` from the caller's phone until ``expires_at``."""

    virtual_number: str
    call_id: str
    expires_at: dt.datetime


class GatewayError(Exception):
    """The gateway refused or could not be reached."""


class MaskingGateway:
    """The interface: bind caller ↔ callee behind a virtual number, or raise GatewayError."""

    name = "base"

    def bind(self, *, caller: str, callee: str, minutes: int, reference: str) -> Bridge:
        raise NotImplementedError


class DemoGateway(MaskingGateway):
    """For the demo and development: makes up a virtual number from the 170 test range
    and logs the bridged call with both real numbers masked. Nothing is dialled."""

    name = "demo"

    def bind(self, *, caller: str, callee: str, minutes: int, reference: str) -> Bridge:
        bridge = Bridge(
            virtual_number=f"1700000{secrets.randbelow(10_000):04d}",
            call_id=f"demo-{secrets.token_hex(8)}",
            expires_at=timezone.now() + dt.timedelta(minutes=minutes),
        )
        logger.info(
            "demo bridge %s: %s -> %s via %s for %s (%s min)",
            bridge.call_id,
            mask_mobile(caller) if caller.isdigit() else caller,
            mask_mobile(callee),
            bridge.virtual_number,
            reference,
            minutes,
        )
        return bridge


def get_gateway() -> MaskingGateway:
    gateway: MaskingGateway = import_string(
        getattr(settings, "REDPROP_CONTACT_GATEWAY", DEFAULT_GATEWAY)
    )()
    return gateway
