"""System checks of the notification settings (run by every manage.py command,
``migrate`` and ``run_outbox`` included, and by ``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

CONSOLE_SMS_BACKEND = "redprop.notifications.sms.ConsoleSmsBackend"


@register(Tags.compatibility, deploy=False)
def console_sms_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Production with the console SMS backend sends no SMS at all: refuse, unless told."""
    if not getattr(settings, "REDPROP_PRODUCTION", False):
        return []
    if getattr(settings, "REDPROP_SMS_BACKEND", CONSOLE_SMS_BACKEND) != CONSOLE_SMS_BACKEND:
        return []
    if getattr(settings, "REDPROP_ALLOW_CONSOLE_SMS", False):
        return []
    return [
        Error(
            "REDPROP_SMS_BACKEND is the console backend, which sends no SMS.",
            hint=(
                "Set REDPROP_SMS_BACKEND to a real gateway class, or "
                "REDPROP_ALLOW_CONSOLE_SMS=true to run without SMS on purpose."
            ),
            id="notifications.E001",
        )
    ]
