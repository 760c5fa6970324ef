"""The 三单 loop through the pages, as each person would click it.

A resident files with a real JPEG → the dispatcher sees it in the console queue
and dispatches it → the grid's maintenance worker accepts, arrives and resolves
with an after-photo → the resident rates it. Every step is a form post through
the same services the API uses.
"""

from __future__ import annotations

import re

import pytest

from redprop.notifications.models import InboxItem
from redprop.requests.models import RequestEvent, RequestPhoto, ServiceRequest
from redprop.web.tests.helpers import jpeg, title_of

pytestmark = pytest.mark.django_db


def version_of(body: str, prefix: str) -> str:
    m = re.search(rf'name="{prefix}-version" value="(\d+)"', body)
    assert m, f"no {prefix} form on the page"
    return m.group(1)


def test_resident_files_dispatcher_dispatches_worker_resolves_resident_rates(world, relay):
    resident = world.client("resident")
    page = resident.get("/file/")
    assert page.status_code == 200
    assert title_of(page.content) == "我要反映 · 红色物业"
    body = page.content.decode()
    assert 'capture="environment"' in body and 'accept="image/*"' in body
    assert f'value="u:{world.unit.pk}" selected' in body  # place prefilled from the household

    resp = resident.post(
        "/file/",
        {
            "category": "pipe_dredging",
            "description": "厨房下水道堵塞，污水倒灌",
            "place": f"u:{world.unit.pk}",
            "location_text": "厨房",
            "photos": [jpeg()],
        },
    )
    relay()
    assert resp.status_code == 302, resp.content.decode()[:2000]
    r = ServiceRequest.objects.get()
    assert resp["Location"] == f"/r/{r.pk}/"
    assert (r.channel, r.status, r.unit_id, r.reporter_id) == (
        "app",
        "submitted",
        world.unit.pk,
        world.resident.pk,
    )
    photo = RequestPhoto.objects.get(request=r)
    assert photo.kind == "before"
    detail = resident.get(f"/r/{r.pk}/").content.decode()
    assert "已提交，诉求编号" in detail and f"/r/{r.pk}/photo/{photo.pk}/" in detail
    assert resident.get(f"/r/{r.pk}/photo/{photo.pk}/")["Content-Type"] == "image/jpeg"
    assert r.number in resident.get("/my/").content.decode()

    # 社区发单: the dispatcher sees it in the "new" queue, opens it, the company is suggested.
    staff = world.client("community_staff")
    queue = staff.get("/console/queue/?tab=new").content.decode()
    assert r.number in queue and 'hx-trigger="every 10s"' in queue
    pane = staff.get(f"/console/r/{r.pk}/?tab=new", headers={"HX-Request": "true"})
    pane_body = pane.content.decode()
    assert "建议派给" in pane_body and world.company.name in pane_body
    assert f'<option value="{world.company.pk}" selected>' in pane_body
    resp = staff.post(
        f"/r/{r.pk}/do/dispatch/",
        {
            "dispatch-org": world.company.pk,
            "dispatch-version": version_of(pane_body, "dispatch"),
            "dispatch-note": "家中有老人",
            "next": "console",
            "tab": "new",
        },
    )
    relay()
    assert resp.status_code == 302
    # The queue is empty now: the console shows what was done, with no next request.
    assert resp["Location"] == f"/console/?tab=new&done={r.pk}"
    r.refresh_from_db()
    assert r.status == "dispatched" and r.assignee == world.users["maintenance_worker"]
    assert r.number not in staff.get("/console/queue/?tab=new").content.decode()

    # 辖区单位接单: the grid's maintenance worker sees it with its countdown.
    worker = world.client("maintenance_worker")
    orders = worker.get("/orders/").content.decode()
    assert r.number in orders and "距到场时限" in orders
    assert InboxItem.objects.filter(user=world.users["maintenance_worker"]).exists()
    assert "新派单" in worker.get("/inbox/").content.decode()

    page = worker.get(f"/r/{r.pk}/").content.decode()
    assert "接单" in page and "王建国" in page and "138****1234" in page
    resp = worker.post(f"/r/{r.pk}/do/accept/", {"accept-version": version_of(page, "accept")})
    assert resp.status_code == 302
    page = worker.get(f"/r/{r.pk}/").content.decode()
    assert "我已到场" in page
    worker.post(f"/r/{r.pk}/do/arrive/", {"arrive-version": version_of(page, "arrive")})
    page = worker.get(f"/r/{r.pk}/").content.decode()
    r.refresh_from_db()
    assert r.status == "on_site" and r.responded_at is not None
    resp = worker.post(
        f"/r/{r.pk}/do/resolve/",
        {
            "resolve-version": version_of(page, "resolve"),
            "resolve-note": "已疏通下水管道",
            "resolve-photos": [jpeg("after.jpg")],
        },
    )
    relay()
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == "resolved"
    assert RequestPhoto.objects.filter(request=r, kind="after").count() == 1

    # The resident rates it: 5 levels, solved yes/no, comment.
    page = resident.get(f"/r/{r.pk}/").content.decode()
    assert "问题已办结，请您评价" in page
    for label in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"):
        assert f">{label}</label>" in page
    assert "处理后" in page and "已疏通下水管道" in page
    resp = resident.post(
        f"/r/{r.pk}/do/rate/",
        {
            "rate-version": version_of(page, "rate"),
            "rate-score": "5",
            "rate-solved": "yes",
            "rate-comment": "师傅来得很快",
        },
    )
    assert resp.status_code == 302
    r.refresh_from_db()
    assert (r.status, r.rating, r.solved) == ("rated", 5, True)
    page = resident.get(f"/r/{r.pk}/").content.decode()
    assert "感谢您的评价" in page and "非常满意" in page
    kinds = list(RequestEvent.objects.filter(request=r).values_list("kind", flat=True))
    assert kinds == ["filed", "dispatched", "accepted", "arrived", "resolved", "rated"]
    # The timeline names who acted (newest first).
    assert page.index("评价") < page.index("到达现场") < page.index("提交诉求")


def test_grid_staff_file_on_patrol_and_residents_see_the_duplicate(world):
    butler = world.client("grid_butler")
    page = butler.get("/file/").content.decode()
    assert "巡查上报" in page
    assert f'value="b:{world.building.pk}"' in page  # their grid's building
    assert f'value="b:{world.building_2.pk}"' not in page  # not another grid's
    resp = butler.post(
        "/file/",
        {
            "category": "sanitation",
            "description": "1栋门口垃圾堆积三天无人清运",
            "place": f"b:{world.building.pk}",
        },
    )
    assert resp.status_code == 302
    r = ServiceRequest.objects.get()
    assert (r.channel, r.building_id, r.reporter_id) == ("patrol", world.building.pk, None)

    # A resident describing the same problem is offered to follow it, without the words.
    resident = world.client("resident")
    frag = resident.post(
        "/file/similar/",
        {
            "category": "sanitation",
            "place": f"u:{world.unit.pk}",
            "description": "1栋门口的垃圾堆积好几天了没人清运",
        },
    ).content.decode()
    assert "这个问题已有人反映，是否一起关注？" in frag and r.number in frag
    assert "无人清运" not in frag  # a neighbour's words are not shown to residents
    assert f'hx-post="/r/{r.pk}/follow/"' in frag
    # Staff see the text.
    frag = world.client("community_staff").post(
        "/file/similar/",
        {
            "category": "sanitation",
            "place": f"b:{world.building.pk}",
            "description": "1栋门口的垃圾堆积好几天了没人清运",
        },
    )
    assert "无人清运" in frag.content.decode()

    resp = resident.post(f"/r/{r.pk}/follow/", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "已一起关注" in resp.content.decode()
    assert r.followers.filter(person=world.resident).exists()
    # Now the resident follows it: it is on their list and they may open it.
    assert r.number in resident.get("/my/").content.decode()
    assert resident.get(f"/r/{r.pk}/").status_code == 200


def test_similar_suggestion_needs_enough_input_and_a_place_in_scope(world):
    resident = world.client("resident")
    assert resident.post("/file/similar/", {"category": "sanitation"}).content == b""
    resp = resident.post(
        "/file/similar/",
        {"category": "sanitation", "place": f"u:{world.unit_b.pk}", "description": "垃圾没人清运"},
    )
    assert resp.content == b""  # a place the resident was not offered is ignored


def test_inbox_mark_read(world, relay):
    from redprop.web.tests.helpers import dispatched

    dispatched(world)
    relay()
    worker = world.client("maintenance_worker")
    item = InboxItem.objects.get(user=world.users["maintenance_worker"])
    page = worker.get("/inbox/").content.decode()
    assert "全部标为已读" in page and 'class="count"' in page
    assert worker.post("/inbox/read/", {"ids": [item.pk]}).status_code == 302
    item.refresh_from_db()
    assert item.read_at is not None
    assert 'class="count"' not in worker.get("/inbox/").content.decode()
    # Another user's item id is ignored.
    other = world.client("community_staff")
    item.read_at = None
    item.save()
    other.post("/inbox/read/", {"ids": [item.pk]})
    item.refresh_from_db()
    assert item.read_at is None
    # Opening an item marks it read and follows its local link.
    resp = worker.get(f"/inbox/{item.pk}/open/")
    assert resp.status_code == 302 and resp["Location"].startswith("/r/")
    item.refresh_from_db()
    assert item.read_at is not None
