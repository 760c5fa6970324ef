"""The bench tests reuse the project's two-street world (redprop/conftest.py)."""

from typing import Any

import pytest

from redprop.conftest import World, build_world


@pytest.fixture
def world(db: Any) -> World:
    return build_world()
