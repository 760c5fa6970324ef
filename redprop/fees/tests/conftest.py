"""Fixtures of the fees tests: the test world's red compound at Jinghe's 0.45 元/m²."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.fees import services
from redprop.fees.choices import Basis, Charge
from redprop.fees.models import HardshipPolicy


@pytest.fixture
def fees(world: Any) -> Any:
    """The world with a property-fee schedule from 2026-01-01 on compound A."""
    staff = world.users[Role.COMPANY_STAFF]
    services.schedule_create(
        compound=world.compound,
        charge=Charge.PROPERTY,
        name="物业服务费",
        basis=Basis.FLOOR_AREA,
        rate="0.45",
        valid_from=dt.date(2026, 1, 1),
        acting_user=staff,
    )
    world.staff = staff
    world.policy = HardshipPolicy.objects.create(
        code="dibao", name="低保户减免", tag_code="low_income", percent="50"
    )
    return world


def run_month(world: Any, year: int, month: int) -> Any:
    run = services.bill_run_request(
        compound=world.compound, period=dt.date(year, month, 1), acting_user=world.staff
    )
    return services.bill_run_execute(run_id=run.pk)
