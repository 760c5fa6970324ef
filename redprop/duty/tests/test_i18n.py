"""The roster speaks the reader's language: service errors are built at raise time
(Chinese by default, English under ``translation.override("en")`` or a request in
English) with the same machine-readable code, and the admin pages follow the
language cookie or the ``Accept-Language`` header (docs/subsystems/web.md,
"Languages (i18n)")."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError, PermissionDenied
from redprop.duty.choices import ShiftKind
from redprop.duty.errors import DutyError
from redprop.duty.models import Shift
from redprop.duty.tests.helpers import shift, worker

pytestmark = pytest.mark.django_db

DAY = "/admin/duty/shift/day/?date=2026-01-06"
LIST = "/admin/duty/shift/"
ADD = "/admin/duty/shift/add/"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _overlap(world, ned):
    """Ned's daily 06:00–07:00 grid shift meets his on-call first on Tuesday morning
    (the Monday night, 2026-01-05 20:00, runs to Tuesday 08:00)."""
    with pytest.raises(ApplicationError) as info:
        shift(world, ned, world.grid, "06:00", "07:00")
    return info.value


@pytest.fixture
def ned(world):
    ned = worker(world, "ned")
    shift(world, ned, world.street, "20:00", "08:00", kind=ShiftKind.ON_CALL)
    return ned


def test_an_overlap_is_reported_in_chinese_by_default(world, ned):
    error = _overlap(world, ned)
    assert (error.code, error.field) == (DutyError.OVERLAP, "starts_at")
    assert error.message == (
        f"与ned已有的班次重叠：{world.street} 20:00–次日08:00（2026-01-06 起）"
    )


def test_an_overlap_is_reported_in_english_with_every_placeholder_filled(world, ned):
    """The English keeps the person, the place, the span (its 次日 translated too) and
    the day; the code and the field do not change."""
    with translation.override("en"):
        error = _overlap(world, ned)
    assert (error.code, error.field) == (DutyError.OVERLAP, "starts_at")
    assert error.message == (
        f"Overlaps a shift ned already has: {world.street} 20:00–next day 08:00 (from 2026-01-06)"
    )
    assert Shift.objects.filter(user=ned).count() == 1


def test_a_refusal_follows_the_language_active_when_it_is_raised(world):
    """The message is translated when raised, not when the module was imported."""
    lee = worker(world, "lee")
    outsider = world.users[Role.COMMUNITY_STAFF]
    for language, message in [
        ("en", "Only this company's staff or a system administrator can schedule shifts"),
        ("zh-hans", "只有本企业工作人员或系统管理员可以排班"),
    ]:
        with translation.override(language), pytest.raises(PermissionDenied) as info:
            shift(world, lee, world.grid, "08:00", "20:00", acting_user=outsider)
        assert info.value.message == message
    assert not Shift.objects.filter(user=lee).exists()


def _day_view(client, **headers):
    response = client.get(DAY, **headers)
    assert response.status_code == 200
    return response


def test_the_day_view_in_english_with_accept_language(world, ned):
    response = _day_view(world.client(Role.COMPANY_STAFF), **EN)
    body = response.content.decode()
    assert response["Content-Language"] == "en"
    for text in [
        "Duty roster · by day",  # title and breadcrumb
        "<th>Person on duty</th>",
        "<th>Rostering organization</th>",
        "<td>Night on-call</td>",
        "<td>Maintenance duty</td>",
        "prev. day 20:00",  # last night's on-call, running into Tuesday morning
        "<td>Every day</td>",
        "Jan. 6, 2026 Tuesday",  # the heading: the date in the English format
    ]:
        assert text in body, text
    for text in ["值班表", "值班人员", "夜间值班", "维修值班", "前日", "每天", "2026年1月6日"]:
        assert text not in body, text
    assert f"<td>{world.street}</td>" in body  # place names are data: they stay Chinese


def test_the_day_view_follows_the_language_cookie(world, ned):
    client = world.client(Role.COMPANY_STAFF)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = _day_view(client).content.decode()
    assert "Duty roster · by day" in body and "值班表 · 按日" not in body


def test_the_day_view_is_chinese_by_default(world, ned):
    response = _day_view(world.client(Role.COMPANY_STAFF))
    body = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert "值班表 · 按日" in body and "前日" in body and "2026年1月6日" in body
    assert "Duty roster" not in body


def test_the_bad_date_message_of_the_day_view_in_english(world):
    response = world.client(Role.COMPANY_STAFF).get("/admin/duty/shift/day/?date=2026-13-40", **EN)
    assert response.status_code == 400
    assert "The date must be in YYYY-MM-DD format, e.g. 2026-12-01" in response.content.decode()


def test_the_list_and_a_form_error_in_english(world, ned):
    """The list's computed columns and the services' error next to its field."""
    client = world.client(Role.COMPANY_STAFF)
    body = client.get(LIST, **EN).content.decode()
    assert "20:00–next day 08:00" in body and "Every day" in body
    data = {
        "org": world.company.pk,
        "user": ned.pk,
        "duty": "maintenance",
        "kind": "on_call",
        "place": f"grid:{world.grid.pk}",
        "starts_at": "08:00",
        "ends_at": "20:00",
        "weekday_set": ["0"],
        "day_rule": "all",
        "every_weeks": "1",
        "effective_from": "2026-01-05",
        "effective_to": "",
        "note": "",
    }
    response = client.post(ADD, data, **EN)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["place"] == ["Night on-call duty must be placed in a community or a street"]
