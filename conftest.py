"""Fixtures for every test of the repository (redprop/, bench/tests/, e2e/)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_reference_data() -> Any:
    """Each test starts and ends with an empty reference-data cache (core.refdata): a
    test's rows are rolled back, so what it cached must not reach the next test."""
    from redprop.core import refdata

    refdata.clear()
    yield
    refdata.clear()


@pytest.fixture(autouse=True)
def _platform_language() -> Any:
    """Each test starts in the platform language: LocaleMiddleware leaves the language
    of an English request active in the thread, which would leak into the next test."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()
