"""Who may see the outbox, the webhook endpoints and other people's inboxes: sysadmins.

A user reads their own inbox through the API (selectors.inbox_for), not through
these permissions.
"""

from __future__ import annotations

import rules

from redprop.accounts.rules import sysadmin

# model: (view, change, add, delete)
MODEL_RULES = {
    # Messages are written only by outbox_enqueue; "change" is the admin's retry action.
    "outboxmessage": (sysadmin, sysadmin, rules.always_deny, rules.always_deny),
    "webhookendpoint": (sysadmin, sysadmin, sysadmin, sysadmin),
    "inboxitem": (sysadmin, rules.always_deny, rules.always_deny, rules.always_deny),
}

rules.add_perm("notifications", sysadmin)
for model, (view, change, add, delete) in MODEL_RULES.items():
    rules.add_perm(f"notifications.view_{model}", view)
    rules.add_perm(f"notifications.change_{model}", change)
    rules.add_perm(f"notifications.add_{model}", add)
    rules.add_perm(f"notifications.delete_{model}", delete)
