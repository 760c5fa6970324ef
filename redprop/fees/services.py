"""Every write of the fees app. Each is atomic: on an error nothing is written.

Money arrives as fen (``int``) already parsed by ``money.parse_yuan`` at the edge (the
API and the forms), or as a typed string that the service parses itself.

The writes live by concern in their own modules and are re-exported here, so callers
import ``redprop.fees.services`` as before:

- ``schedules``: fee schedules, subscriptions, the request for a bill run;
- ``billrun``: the bill run itself (run by ``tasks.run_bills``; imports no services);
- ``payments``: payments, refunds, corrections, online orders and callbacks;
- ``hardship``: hardship grants; ``ledger_items``: rent, subsidies and costs;
- ``allocation``: applying money to open bills (shared); ``service_base``: the 400 for
  a typed amount, the 403.
"""

from __future__ import annotations

from redprop.fees.billrun import bill_run_execute
from redprop.fees.hardship import hardship_grant
from redprop.fees.ledger_items import ledger_item_record
from redprop.fees.payments import (
    adjustment_post,
    callback_receive,
    order_create,
    order_for,
    payment_record,
    payment_refund,
)
from redprop.fees.schedules import bill_run_request, schedule_create, subscription_add
from redprop.fees.service_base import MONEY_MESSAGES, amount_fen

__all__ = [
    "MONEY_MESSAGES",
    "adjustment_post",
    "amount_fen",
    "bill_run_execute",
    "bill_run_request",
    "callback_receive",
    "hardship_grant",
    "ledger_item_record",
    "order_create",
    "order_for",
    "payment_record",
    "payment_refund",
    "schedule_create",
    "subscription_add",
]
