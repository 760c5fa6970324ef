"""Mobile numbers never reach a log line in clear; production refuses the console SMS backend."""

import io
import json
import logging

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from redprop.core.logging import JsonFormatter, MaskPiiFilter, mask_pii_text
from redprop.notifications.sms import ConsoleSmsBackend


def test_mask_pii_text():
    assert mask_pii_text("13812341234") == "138****1234"
    assert (
        mask_pii_text("致电 +86 13812341234 或 8613700001234。")
        == "致电 138****1234 或 137****1234。"
    )
    assert mask_pii_text("身份证 11010519491231002X 已核验") == "身份证 1101**********002X 已核验"
    # Other numbers stay: order numbers, timestamps, longer digit runs.
    for text in ("R-20260101-0001", "1733456789123", "订单 123456789012345678901"):
        assert mask_pii_text(text) == text


def test_console_backend_prints_masked_numbers():
    out = io.StringIO()
    ConsoleSmsBackend(stream=out).send("13812341234", "请回电 13700001234")
    assert out.getvalue() == "[短信] 138****1234: 请回电 137****1234\n"


def test_the_log_filter_masks_messages_args_and_extras():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(MaskPiiFilter())
    log = logging.getLogger("redprop.test.masking")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("gateway refused %s", "13812341234", extra={"to": "13700001234"})
    finally:
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "gateway refused 138****1234"
    assert line["to"] == "137****1234"
    assert "13812341234" not in stream.getvalue()


@pytest.mark.parametrize("config", ["config.settings.base", "config.settings.production"])
def test_every_settings_file_masks_its_log_handlers(config, monkeypatch):
    import importlib

    for name in ("DJANGO_SECRET_KEY", "REDPROP_PII_KEYS", "REDPROP_BLIND_INDEX_KEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")
    module = importlib.import_module(config)
    for handler in module.LOGGING["handlers"].values():
        assert "mask_pii" in handler["filters"]
    assert module.LOGGING["filters"]["mask_pii"]["()"] == "redprop.core.logging.MaskPiiFilter"


def _errors():
    return [m.id for m in run_checks() if m.id and m.id.startswith("notifications.")]


def test_production_refuses_the_console_backend_unless_told():
    console = "redprop.notifications.sms.ConsoleSmsBackend"
    with override_settings(REDPROP_PRODUCTION=True, REDPROP_SMS_BACKEND=console):
        assert _errors() == ["notifications.E001"]
    with override_settings(
        REDPROP_PRODUCTION=True, REDPROP_SMS_BACKEND=console, REDPROP_ALLOW_CONSOLE_SMS=True
    ):
        assert _errors() == []
    with override_settings(
        REDPROP_PRODUCTION=True, REDPROP_SMS_BACKEND="redprop.notifications.sms.LocmemSmsBackend"
    ):
        assert _errors() == []
    with override_settings(REDPROP_PRODUCTION=False, REDPROP_SMS_BACKEND=console):
        assert _errors() == []


def test_production_settings_turn_the_check_on(monkeypatch):
    import importlib

    for name in ("DJANGO_SECRET_KEY", "REDPROP_PII_KEYS", "REDPROP_BLIND_INDEX_KEY"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@127.0.0.1:5432/x")
    prod = importlib.import_module("config.settings.production")
    assert prod.REDPROP_PRODUCTION is True
    assert prod.REDPROP_SMS_BACKEND == "redprop.notifications.sms.ConsoleSmsBackend"
    assert prod.REDPROP_ALLOW_CONSOLE_SMS is False
