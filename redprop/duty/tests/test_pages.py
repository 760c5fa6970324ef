"""The pages: 我的排班, 交接班 (write, acknowledge, refusals), 今日值班 on the resident's
home, 坐班值守 on the dispatcher's console."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.duty.models import HandOver
from redprop.duty.tests.test_api import _client_for, make_rota
from redprop.duty.tests.test_rota_handover import cadre

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendars_data")]


def test_pages_journey(world: Any) -> None:
    a, b = world.users[Role.COMMUNITY_STAFF], cadre(world, "李红梅")
    assert make_rota(world, [a, b]).status_code == 201
    ca, cb = _client_for(a), _client_for(b)
    mine = ca.get(reverse("web:duty_mine"))
    assert mine.status_code == 200
    assert "红星社区物业服务站" in mine.content.decode()
    on_today = a if "值班中" in mine.content.decode() else b
    incoming = b if on_today == a else a
    c_on, c_in = (ca, cb) if on_today == a else (cb, ca)

    home = world.client(Role.RESIDENT).get(reverse("web:my_requests")).content.decode()
    assert "今日值班" in home and str(on_today) in home
    console = world.client(Role.STREET_OFFICER).get(reverse("web:console")).content.decode()
    assert "坐班值守" in console and str(on_today) in console
    other = world.client(Role.GRID_BUTLER).get(reverse("web:my_requests"))
    assert other.status_code == 403

    page = c_on.get(reverse("web:duty_handover"))
    assert "提交交班" in page.content.decode()
    empty = c_on.post(reverse("web:duty_handover"), {"note": "   "})
    assert empty.status_code == 400
    assert not HandOver.objects.exists()
    done = c_on.post(reverse("web:duty_handover"), {"note": "门禁卡两张已登记"})
    assert done.status_code == 302
    h = HandOver.objects.get()
    assert h.to_user_id == incoming.pk
    twice = c_on.post(reverse("web:duty_handover"), {"note": "再来一次"})
    assert twice.status_code == 409
    assert HandOver.objects.count() == 1

    ack_url = reverse("web:duty_handover_acknowledge", args=[h.pk])
    refused = c_on.post(ack_url)
    assert refused.status_code == 403
    detail = c_in.get(reverse("web:duty_handover_detail", args=[h.pk])).content.decode()
    assert "确认接班" in detail
    assert c_in.post(ack_url, {"note": "收到"}).status_code == 302
    h.refresh_from_db()
    assert h.status == "acknowledged"
    assert world.client(Role.RESIDENT).get(reverse("web:duty_mine")).status_code == 403


def test_rota_page_draws_up_a_rota(world: Any) -> None:
    """The community's desk draws up a rota in the browser; a bad time is a 400 on its
    field writing nothing; the street office reads the list without a form."""
    from redprop.duty.models import Rota

    a, b = world.users[Role.COMMUNITY_STAFF], cadre(world, "周丽")
    client = _client_for(a)
    url = reverse("web:duty_rotas")
    assert "制定轮值表" in client.get(url).content.decode()
    body = {
        "community": world.community.pk,
        "office": "红星社区物业服务站",
        "members": [a.pk, b.pk],
        "mode": "daily",
        "wd0": "1",
        "wd2": "1",
        "wd4": "1",
        "day_rule": "working",
        "starts_at": "25:00",
        "ends_at": "17:30",
    }
    bad = client.post(url, body)
    assert bad.status_code == 400
    assert 'data-field="starts_at"' in bad.content.decode()
    assert not Rota.objects.exists()
    body["starts_at"] = "08:30"
    assert client.post(url, body).status_code == 302
    rota = Rota.objects.get()
    assert (rota.members, rota.weekdays) == ([a.pk, b.pk], 0b10101)
    street = world.client(Role.STREET_OFFICER).get(url).content.decode()
    assert "红星社区物业服务站" in street
    assert "<form" not in street.split("现行轮值表")[1]
    assert world.client(Role.GRID_BUTLER).get(url).status_code == 403


def test_a_company_desk_draws_up_its_own_rota_and_the_desk_ends_it(world: Any) -> None:
    """A property company's desk rosters its own staff at a community it serves; a
    member who is not its staff is a 400 on the field writing nothing; the company's
    desk ends the rota from the page (its future shifts go), the street office may not."""
    from redprop.accounts.services import role_grant, user_create
    from redprop.duty.models import Rota, Shift

    desk = world.users[Role.COMPANY_STAFF]
    mate = user_create(
        username="物业小李", password=None, display_name="物业小李", acting_user=None
    )
    role_grant(user=mate, role=Role.COMPANY_STAFF, org=world.company, acting_user=None)
    client = _client_for(desk)
    url = reverse("web:duty_rotas")
    page = client.get(url).content.decode()
    assert f'name="org" value="{world.company.pk}"' in page
    assert f'<option value="{world.community.pk}">' in page
    assert f'<option value="{world.community_b.pk}">' not in page  # not served there
    body = {
        "org": world.company.pk,
        "community": world.community.pk,
        "office": "红星物业服务中心",
        "members": [desk.pk, world.users[Role.COMMUNITY_STAFF].pk],
        "mode": "weekly",
        "wd0": "1",
        "wd1": "1",
        "day_rule": "working",
        "starts_at": "09:00",
        "ends_at": "12:00",
    }
    bad = client.post(url, body)
    assert bad.status_code == 400 and 'data-field="members"' in bad.content.decode()
    body["community"] = world.community_b.pk
    body["members"] = [desk.pk, mate.pk]
    bad = client.post(url, body)
    assert bad.status_code == 400 and 'data-field="community"' in bad.content.decode()
    assert not Rota.objects.exists()
    body["community"] = world.community.pk
    assert client.post(url, body).status_code == 302
    rota = Rota.objects.get()
    assert (rota.org_id, rota.members) == (world.company.pk, [desk.pk, mate.pk])
    assert Shift.objects.filter(rota=rota).count() == 2

    end_url = reverse("web:duty_rota_end", kwargs={"pk": rota.pk})
    assert f'action="{end_url}"' in client.get(url).content.decode()
    street = world.client(Role.STREET_OFFICER)
    assert f'action="{end_url}"' not in street.get(url).content.decode()
    assert street.post(end_url, {"last_day": timezone.localdate().isoformat()}).status_code == 403
    assert world.client("street_b").post(end_url, {"last_day": "2026-01-01"}).status_code in (
        403,
        404,
    )
    assert client.post(end_url, {"last_day": "1999-01-01"}).status_code == 400
    rota.refresh_from_db()
    assert rota.effective_to is None
    today = timezone.localdate()
    assert client.post(end_url, {"last_day": today.isoformat()}).status_code == 302
    rota.refresh_from_db()
    assert rota.effective_to == today
    assert not Shift.objects.filter(rota=rota, effective_from__gt=today).exists()
    # An ended rota leaves the list of rotas in force.
    Rota.objects.filter(pk=rota.pk).update(
        effective_from=today - dt.timedelta(days=7), effective_to=today - dt.timedelta(days=1)
    )
    assert f'data-rota="{rota.pk}"' not in client.get(url).content.decode()
