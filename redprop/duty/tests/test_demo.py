"""The demo's office rotas and hand-over (redprop/demo/seed/duty.py) on a small seed."""

from __future__ import annotations

import datetime as dt

import pytest

from redprop.demo.seed import run_seed
from redprop.demo.seed.duty import MEMBERS, NOTE, seed_duty
from redprop.duty import selectors
from redprop.duty.models import HandOver, Rota

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]

TODAY = dt.date(2025, 11, 7)  # a Friday, a working day


def test_every_community_has_an_office_rota_and_the_desk_login_a_hand_over() -> None:
    ctx = run_seed(seed=1, scale=0.02, today=TODAY, registered=False)
    seed_duty(ctx)
    with_committee = [c for c in ctx.communities if c.pk in ctx.residents_committees]
    assert Rota.objects.count() == len(with_committee) > 0
    erqiaoxi = next(c for c in ctx.communities if c.name == "二桥西社区")
    rota = Rota.objects.get(community=erqiaoxi)
    assert len(rota.members) == MEMBERS and "物业服务站" in rota.office
    # Friday: exactly one of the three sits there, 08:30–17:30.
    today = selectors.office_day(erqiaoxi, TODAY)
    assert len(today) == 1 and today[0].shift.user_id in rota.members
    desk = ctx.users["community_staff"]
    assert selectors.my_shifts(desk, TODAY, TODAY + dt.timedelta(days=13))
    handover = HandOver.objects.get()
    assert (handover.to_user_id, handover.note, handover.status) == (desk.pk, NOTE, "pending")
    assert handover.day < TODAY
