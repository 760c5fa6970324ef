"""The meetings API: the journey through JSON, bad input as {code, message, field}."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.meetings.models import Issue, Meeting, Resolution
from redprop.meetings.tests.factories import at, consultation

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 1, 10)


def jpeg() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 40, 40)).save(buf, "JPEG", quality=70)
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def now():  # type: ignore[no-untyped-def]
    with clock.travel(lambda: NOW):
        yield NOW


def post(c: Any, url: str, body: Any) -> Any:
    return c.post(url, json.dumps(body), content_type="application/json")


def test_api_journey(world, now) -> None:  # type: ignore[no-untyped-def]
    consultation(world)
    resident = world.client(Role.RESIDENT)
    desk = world.client(Role.COMMUNITY_STAFF)
    r = post(
        resident,
        "/api/v1/meetings/issues",
        {"title": "南门道闸坏了", "compound_id": world.compound.pk},
    )
    assert r.status_code == 201, r.content
    issue_id = r.json()["id"]
    r = post(desk, "/api/v1/meetings/series", {"name": "x", "community_id": world.community_b.pk})
    assert r.status_code == 400 and r.json()["field"] == "community_id"
    # The next meeting: made by the agenda build.
    from redprop.meetings import services

    m = services.next_meeting(community=world.community)
    r = post(desk, f"/api/v1/meetings/{m.pk}/agenda/build", {})
    assert r.status_code == 200
    agenda = r.json()["agenda"]
    assert [a["issue_id"] for a in agenda] == [issue_id]
    assert agenda[0]["raised_by"] == world.resident.name
    assert "convene" in r.json()["actions"]
    for step in ("convene", "start"):
        assert post(desk, f"/api/v1/meetings/{m.pk}/steps/{step}", {}).status_code == 200
    link = desk.get(f"/api/v1/meetings/{m.pk}/checkin-link").json()
    token = link["url"].rstrip("/").rsplit("/", 1)[1]
    assert resident.get(f"/api/v1/meetings/{m.pk}/checkin-link").status_code == 403
    r = post(resident, "/api/v1/meetings/checkin", {"token": token})
    assert r.status_code == 200 and r.json()["attendance"] == "present"
    r = post(resident, "/api/v1/meetings/checkin", {"token": token + "x"})
    assert r.status_code == 400 and r.json()["code"] == "meeting_checkin_invalid"
    item_id = agenda[0]["id"]
    bad = post(
        desk,
        f"/api/v1/meetings/items/{item_id}/resolution",
        {"text": "更换道闸", "deadline": "2026-03-20"},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "responsible_org"
    assert not Resolution.objects.exists()
    r = post(
        desk,
        f"/api/v1/meetings/items/{item_id}/resolution",
        {"text": "更换道闸", "deadline": "2026-03-12", "responsible_org_id": world.company.pk},
    )
    assert r.status_code == 201, r.content
    # The resident may not take the convener's steps.
    assert post(resident, f"/api/v1/meetings/{m.pk}/steps/finish", {}).status_code == 403
    assert post(desk, f"/api/v1/meetings/{m.pk}/steps/finish", {}).status_code == 200
    r = post(desk, f"/api/v1/meetings/{m.pk}/steps/publish_minutes", {"summary": "一项"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    # Carried: the resolution is not done yet.
    nxt = Meeting.objects.get(occurrence_date=dt.date(2026, 3, 14))
    assert list(nxt.items.values_list("issue_id", "carried_count")) == [(issue_id, 1)]
    counts = desk.get("/api/v1/meetings/counts?year=2026").json()
    assert counts[0]["figures"]["collected"] == 1
    assert counts[0]["figures"]["resolved"] == 1
    assert counts[0]["figures"]["carried"] == 1
    # PDF and the feed.
    pdf = desk.get(f"/meetings/{m.pk}/minutes.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    r = post(
        resident,
        "/api/v1/meetings/feeds",
        {"kind": "community", "community_id": world.community.pk},
    )
    assert r.status_code == 201
    url = r.json()["url"]
    from icalendar import Calendar

    ics = resident.get(url.split("testserver", 1)[1])
    assert ics.status_code == 200
    assert len(Calendar.from_ical(ics.content).walk("VEVENT")) > 30
    assert post(resident, f"/api/v1/meetings/feeds/{r.json()['id']}/revoke", {}).status_code == 204
    assert resident.get(url.split("testserver", 1)[1]).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "", "compound_id": 0}, "title"),
        ({"title": "x" * 81}, "title"),
        ({"title": "有效"}, "community_id"),
        ({"title": "有效", "community_id": 987654321}, "community_id"),
        ({"title": "有效", "compound_id": "abc"}, "compound_id"),
    ],
)
def test_bad_issue_is_400_with_field_and_nothing_written(world, now, body, field) -> None:  # type: ignore[no-untyped-def]
    c = world.client(Role.RESIDENT)
    r = post(c, "/api/v1/meetings/issues", body)
    assert r.status_code == 400
    data = r.json()
    assert set(data) >= {"code", "message", "field"} and data["field"] == field
    assert not Issue.objects.exists()


def test_series_rule_and_occurrences_api(world, now) -> None:  # type: ignore[no-untyped-def]
    s = consultation(world)
    desk = world.client(Role.COMMUNITY_STAFF)
    r = post(desk, f"/api/v1/meetings/series/{s.pk}/rule", {"rule": "FREQ=MONTHLY;BYMONTHDAY=31"})
    assert r.status_code == 200
    occ = desk.get(
        f"/api/v1/meetings/series/{s.pk}/occurrences?start=2026-01-01&end=2026-12-31"
    ).json()
    assert [o["rule_date"][5:7] for o in occ] == ["01", "03", "05", "07", "08", "10", "12"]
    r = post(desk, f"/api/v1/meetings/series/{s.pk}/rule", {"rule": "FREQ=HOURLY"})
    assert r.status_code == 400 and r.json()["code"] == "meeting_invalid_rule"
    r = post(
        desk,
        f"/api/v1/meetings/series/{s.pk}/occurrences/2026-03-31",
        {"action": "move", "new_start": "2026-04-01T15:00:00+08:00", "reason": "清明前"},
    )
    assert r.status_code == 200 and r.json()["moved"] is True
    r = post(desk, f"/api/v1/meetings/series/{s.pk}/occurrences/2026-04-30", {"action": "cancel"})
    assert r.status_code == 400 and r.json()["field"] == "rule_date"
    assert (
        world.client(Role.RESIDENT)
        .post(
            f"/api/v1/meetings/series/{s.pk}/rule",
            json.dumps({"rule": "FREQ=DAILY"}),
            content_type="application/json",
        )
        .status_code
        == 403
    )
