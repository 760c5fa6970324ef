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
