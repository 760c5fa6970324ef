"""The meetings pages: bad input is shown next to its field with a 4xx and nothing is
written; the request page offers 上会 to the desk and shows the link afterwards."""

from __future__ import annotations

import pytest

from redprop.accounts.choices import Role
from redprop.core import clock
from redprop.meetings import selectors, services
from redprop.meetings.models import Issue, Resolution
from redprop.meetings.tests.factories import at, consultation

pytestmark = pytest.mark.django_db

NOW = at(2026, 3, 1, 10)


@pytest.fixture
def now():  # type: ignore[no-untyped-def]
    with clock.travel(lambda: NOW):
        yield NOW


def test_issue_form_refuses_empty_and_foreign_place(world, now) -> None:  # type: ignore[no-untyped-def]
    consultation(world)
    c = world.client(Role.RESIDENT)
    page = c.get("/meetings/issues/new/")
    assert page.status_code == 200
    assert f"c:{world.compound.pk}".encode() in page.content
    r = c.post("/meetings/issues/new/", {"place": f"c:{world.compound.pk}", "title": "  "})
    assert r.status_code == 400
    assert "id_title-error" in r.content.decode()
    r = c.post("/meetings/issues/new/", {"place": f"c:{world.compound_b.pk}", "title": "x"})
    assert r.status_code == 400
    assert "id_place-error" in r.content.decode()
    assert not Issue.objects.exists()
    r = c.post("/meetings/issues/new/", {"place": f"c:{world.compound.pk}", "title": "道闸坏了"})
    assert r.status_code == 302
    assert Issue.objects.get().raised_by_person_id == world.resident.pk


def test_resolution_form_error_next_to_the_field(world, now) -> None:  # type: ignore[no-untyped-def]
    consultation(world)
    desk = world.users[Role.COMMUNITY_STAFF]
    issue = services.issue_propose(
        place=world.compound, title="道闸坏了", acting_user=world.users[Role.RESIDENT]
    )
    m = services.next_meeting(community=world.community)
    services.agenda_add(meeting=m, issue=issue, acting_user=desk)
    services.meeting_convene(meeting=m, acting_user=desk)
    services.meeting_start(meeting=m, acting_user=desk)
    item = selectors.agenda(meeting=m)[0]
    c = world.client(Role.COMMUNITY_STAFF)
    p = f"r{item.pk}"
    r = c.post(
        f"/meetings/items/{item.pk}/resolution/",
        {
            f"{p}-text": "更换道闸",
            f"{p}-responsible": world.company.pk,
            f"{p}-deadline": "2020-01-01",
        },
    )
    assert r.status_code == 400
    assert f"id_{p}-deadline-error" in r.content.decode()
    assert not Resolution.objects.exists()
    r = c.post(
        f"/meetings/items/{item.pk}/resolution/",
        {
            f"{p}-text": "更换道闸",
            f"{p}-responsible": world.company.pk,
            f"{p}-deadline": "2026-03-10",
        },
    )
    assert r.status_code == 302
    assert Resolution.objects.get().responsible_org_id == world.company.pk
    # The responsible company sees the progress form, the resident does not.
    page = world.client(Role.COMPANY_STAFF).get(f"/meetings/{m.pk}/")
    assert "报告进展" in page.content.decode()
    assert "报告进展" not in world.client(Role.RESIDENT).get(f"/meetings/{m.pk}/").content.decode()


def test_request_page_offers_to_meeting_and_links_back(world, now) -> None:  # type: ignore[no-untyped-def]
    from redprop.requests import services as rs
    from redprop.requests.models import Category

    consultation(world)
    req = rs.request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="pipe_dredging"),
        description="主排水管反复堵塞，需要大家商量更换",
        unit=world.unit,
    )
    desk = world.client(Role.COMMUNITY_STAFF)
    page = desk.get(f"/r/{req.pk}/").content.decode()
    assert f"/meetings/from-request/{req.pk}/" in page
    # The reporter sees no 上会 button.
    assert (
        "/meetings/from-request/"
        not in world.client(Role.RESIDENT).get(f"/r/{req.pk}/").content.decode()
    )
    r = desk.post(f"/meetings/from-request/{req.pk}/", {"note": "需业主共同决定"})
    assert r.status_code == 302
    page = desk.get(f"/r/{req.pk}/").content.decode()
    issue = Issue.objects.get(request=req)
    assert f"/meetings/{issue.meeting_id}/" in page
    assert "上会" in page  # the timeline event and the box
    # The meeting's agenda links back to the request.
    assert f"/r/{req.pk}/" in desk.get(f"/meetings/{issue.meeting_id}/").content.decode()


def test_a_resolution_becomes_a_work_order_from_the_page(world, now) -> None:  # type: ignore[no-untyped-def]
    from redprop.meetings.models import FollowUp
    from redprop.requests.models import ServiceRequest

    consultation(world)
    desk = world.users[Role.COMMUNITY_STAFF]
    issue = services.issue_propose(
        place=world.compound, title="3栋下水管道反复堵塞", acting_user=world.users[Role.RESIDENT]
    )
    m = services.next_meeting(community=world.community)
    services.agenda_add(meeting=m, issue=issue, acting_user=desk)
    services.meeting_convene(meeting=m, acting_user=desk)
    services.meeting_start(meeting=m, acting_user=desk)
    item = selectors.agenda(meeting=m)[0]
    res = services.resolution_adopt(
        item=item,
        text="由物业疏通3栋主管道",
        responsible_org=world.company,
        deadline=at(2026, 3, 10).date(),
        acting_user=desk,
    )
    c = world.client(Role.COMMUNITY_STAFF)
    page = c.get(f"/meetings/{m.pk}/").content.decode()
    assert f"/meetings/resolutions/{res.pk}/request/" in page and "转为工单" in page
    # The resident sees the resolution, not the form.
    assert "转为工单" not in world.client(Role.RESIDENT).get(f"/meetings/{m.pk}/").content.decode()
    url = f"/meetings/resolutions/{res.pk}/request/"
    p = f"s{res.pk}"
    bad = c.post(url, {f"{p}-category": "no_such", f"{p}-description": "疏通"})
    assert bad.status_code == 302 and not ServiceRequest.objects.exists()
    ok = c.post(url, {f"{p}-category": "pipe_dredging", f"{p}-description": "按决议疏通3栋主管道"})
    assert ok.status_code == 302
    r = ServiceRequest.objects.get()
    assert r.compound_id == world.compound.pk and "疏通3栋主管道" in r.description
    f = FollowUp.objects.get(resolution=res)
    assert f.kind == "service_request" and f.object_id == r.pk
    assert f"/r/{r.pk}/" in c.get(f"/meetings/{m.pk}/").content.decode()
    # A resident cannot post it.
    answer = world.client(Role.RESIDENT).post(
        url, {f"{p}-category": "pipe_dredging", f"{p}-description": "x"}
    )
    assert answer.status_code in (403, 404) and ServiceRequest.objects.count() == 1


def test_the_convener_moves_agenda_items_up_and_down(world, now) -> None:  # type: ignore[no-untyped-def]
    consultation(world)
    desk = world.users[Role.COMMUNITY_STAFF]
    m = services.next_meeting(community=world.community)
    for title in ("道闸坏了", "楼道灯不亮", "垃圾分类点太远"):
        issue = services.issue_propose(
            place=world.compound, title=title, acting_user=world.users[Role.RESIDENT]
        )
        services.agenda_add(meeting=m, issue=issue, acting_user=desk)

    def order() -> list[str]:
        return [i.issue.title for i in m.items.order_by("position", "pk").select_related("issue")]

    assert order() == ["道闸坏了", "楼道灯不亮", "垃圾分类点太远"]
    c = world.client(Role.COMMUNITY_STAFF)
    page = c.get(f"/meetings/{m.pk}/").content.decode()
    assert page.count('name="dir" value="up"') == 2 and page.count('name="dir" value="down"') == 2
    last = m.items.order_by("position").last()
    url = f"/meetings/{m.pk}/agenda/move/"
    assert c.post(url, {"item": last.pk, "dir": "up"}).status_code == 302
    assert order() == ["道闸坏了", "垃圾分类点太远", "楼道灯不亮"]
    first = m.items.order_by("position").first()
    c.post(url, {"item": first.pk, "dir": "up"})  # already first: nothing moves
    c.post(url, {"item": first.pk, "dir": "down"})
    assert order() == ["垃圾分类点太远", "道闸坏了", "楼道灯不亮"]
    c.post(url, {"item": "x", "dir": "down"})
    c.post(url, {"item": first.pk, "dir": "sideways"})
    assert order() == ["垃圾分类点太远", "道闸坏了", "楼道灯不亮"]
    # Not the resident's to move; nor once the meeting has started.
    assert world.client(Role.RESIDENT).post(url, {"item": first.pk, "dir": "up"}).status_code in (
        403,
        404,
    )
    services.meeting_convene(meeting=m, acting_user=desk)
    services.meeting_start(meeting=m, acting_user=desk)
    assert 'name="dir"' not in c.get(f"/meetings/{m.pk}/").content.decode()
    c.post(url, {"item": first.pk, "dir": "down"})
    assert order() == ["垃圾分类点太远", "道闸坏了", "楼道灯不亮"]
