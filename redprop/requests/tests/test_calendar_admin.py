"""The calendars' admin pages: an administrator corrects a day of a loaded year; the
change is audited and moves the deadlines over it; the lists warn from 1 November."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from redprop.accounts.choices import Role
from redprop.calendars.models import HolidayYear, WorkCalendar
from redprop.core import clock
from redprop.core.models import AuditEvent, AuditLog
from redprop.requests.models import ServiceRequest, SlaPolicy, SlaTarget
from redprop.requests.tests.helpers import file_request, post

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def year_form(year: HolidayYear, extra: list[tuple[str, str, str]]) -> dict[str, str]:
    days = list(year.days.order_by("date"))
    data = {
        "table": str(year.table_id),
        "year": str(year.year),
        "status": year.status,
        "source": year.source,
        "loaded_at_0": year.loaded_at.astimezone(SH).date().isoformat(),
        "loaded_at_1": "00:00:00",
        "days-TOTAL_FORMS": str(len(days) + len(extra)),
        "days-INITIAL_FORMS": str(len(days)),
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, d in enumerate(days):
        data.update(
            {
                f"days-{i}-id": str(d.pk),
                f"days-{i}-year": str(year.pk),
                f"days-{i}-date": d.date.isoformat(),
                f"days-{i}-kind": d.kind,
                f"days-{i}-name": d.name,
            }
        )
    for j, (date, kind, name) in enumerate(extra, start=len(days)):
        data.update(
            {
                f"days-{j}-year": str(year.pk),
                f"days-{j}-date": date,
                f"days-{j}-kind": kind,
                f"days-{j}-name": name,
            }
        )
    return data


def test_an_administrator_adds_a_day_off_and_the_deadline_moves(world):
    policy = SlaPolicy.objects.create(
        name="工作时间规则",
        region=world.community,
        standard_calendar=WorkCalendar.objects.get(code="working_hours"),
        urgent_calendar=WorkCalendar.objects.get(code="working_hours"),
        effective_from=dt.datetime(2020, 1, 1, tzinfo=SH),
    )
    SlaTarget.objects.create(policy=policy, severity="normal", clock="resolve", minutes=420)
    with clock.travel(lambda: dt.datetime(2027, 6, 7, 10, tzinfo=SH)):
        rid = file_request(world)["id"]
        post(world, "community_staff", f"/{rid}/dispatch", {"org_id": world.company.pk})
    assert ServiceRequest.objects.get(pk=rid).resolve_due_at == dt.datetime(
        2027, 6, 8, 10, tzinfo=SH
    )
    year = HolidayYear.objects.get(table__code="CN", year=2027)
    admin = world.client(Role.SYSADMIN)
    url = f"/admin/calendars/holidayyear/{year.pk}/change/"
    assert admin.get(url).status_code == 200
    resp = admin.post(url, year_form(year, [("2027-06-08", "off", "端午节")]))
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert ServiceRequest.objects.get(pk=rid).resolve_due_at == dt.datetime(
        2027,
        6,
        10,
        10,
        tzinfo=SH,  # 8 June off, 9 June Dragon Boat (statutory)
    )
    row = AuditLog.objects.get(event_type=AuditEvent.HOLIDAY_DAY_CHANGED)
    assert row.actor == world.users[Role.SYSADMIN] and row.after["date"] == "2027-06-08"
    # A day outside the year is refused by the form, and nothing is written.
    bad = admin.post(url, year_form(year, [("2028-01-03", "off", "x")]))
    assert bad.status_code == 200
    assert AuditLog.objects.filter(event_type=AuditEvent.HOLIDAY_DAY_CHANGED).count() == 1


def test_staff_may_look_but_only_administrators_edit(world):
    year = HolidayYear.objects.get(table__code="CN", year=2027)
    url = f"/admin/calendars/holidayyear/{year.pk}/change/"
    staff = world.client(Role.COMMUNITY_STAFF)
    assert staff.get(url).status_code == 200  # view only
    assert staff.post(url, year_form(year, [("2027-06-08", "off", "x")])).status_code == 403
    assert not year.days.filter(date="2027-06-08").exists()


def test_the_lists_warn_from_1_november_while_next_year_is_provisional(world):
    admin = world.client(Role.SYSADMIN)
    with clock.travel(lambda: dt.datetime(2026, 11, 2, 9, tzinfo=SH)):
        page = admin.get("/admin/calendars/holidayyear/").content.decode()
    assert "2027 年节假日安排为暂定" in page
    with clock.travel(lambda: dt.datetime(2026, 10, 30, 9, tzinfo=SH)):
        page = admin.get("/admin/calendars/workcalendar/").content.decode()
    assert "暂定" not in page
