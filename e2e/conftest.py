"""End-to-end tests: Debian's chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the test's thread; Django refuses ORM
calls from a thread with a running loop unless told that this is deliberate.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# REDPROP_E2E_ARTIFACTS: .ci/run gives each suite it runs at the same time its own.
ARTIFACTS = Path(os.environ.get("REDPROP_E2E_ARTIFACTS") or Path(__file__).parent / "artifacts")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless chromium for the session (never a downloaded browser)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def outbox_relay(live_server: Any) -> Iterator[None]:
    """The outbox relay beside the live server, as ``bin/demo`` runs ``run_outbox``:
    the same loop (``outbox_sweep``, then a short sleep) in a thread, with its own
    database connection, for the length of the test."""
    import threading

    from django.db import connection

    from redprop.notifications.services import outbox_sweep

    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                outbox_sweep()
                stop.wait(0.2)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name="outbox-relay", daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(timeout=30)
