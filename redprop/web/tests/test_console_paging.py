"""派单台 paging: keyset pages of a tab ("load more"), exact counts, and the 10-second
refresh that re-reads every row the dispatcher loaded instead of dropping them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redprop.requests import services
from redprop.requests.models import Category, ServiceRequest
from redprop.web.selectors import QUEUE_PAGE
from redprop.web.tests.helpers import file_via_service

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def file_many(world, n, text="楼道灯不亮"):
    """``n`` requests filed through the service by the resident, oldest first."""
    category = Category.objects.get(code="pipe_dredging")
    return [
        services.request_file(
            acting_user=world.users["resident"],
            category=category,
            description=f"{text}（{i}）",
            unit=world.unit,
        )
        for i in range(n)
    ]


def row_ids(body):
    return [int(x) for x in re.findall(r'<tr class="qrow[^"]*" data-id="(\d+)"', body)]


def next_cursor(body):
    m = re.search(r'class="qmore"[^>]*data-after="(\d+)"', body)
    return int(m.group(1)) if m else None


def through(body):
    m = re.search(r'id="queue-through" name="through" value="(\d+)"', body)
    return int(m.group(1)) if m else None


def tab_count(body, tab):
    m = re.search(rf'data-key="tab-{tab}".*?<span class="tab-n">(\d+)</span>', body, re.S)
    return int(m.group(1))


def walk(client, tab, between=None):
    """Every page of ``tab`` as a dispatcher pressing "load more": the ids in order."""
    body = client.get(f"/console/queue/?tab={tab}").content.decode()
    seen, pages = row_ids(body), 1
    cursor = next_cursor(body)
    while cursor is not None:
        if between:
            between(pages)
        resp = client.get(f"/console/queue/more/?tab={tab}&after={cursor}", headers=HX)
        assert resp.status_code == 200
        part = resp.content.decode()
        assert "<html" not in part and 'id="queue"' not in part  # only rows and a new tail
        assert through(part) == row_ids(part)[-1]
        seen += row_ids(part)
        cursor, pages = next_cursor(part), pages + 1
    return seen, pages


def test_new_tab_pages_through_130_requests_oldest_first_while_more_arrive(world):
    """No duplicates and no gaps, though requests are filed between the pages."""
    filed = file_many(world, 130)
    staff = world.client("community_staff")
    first = staff.get("/console/queue/?tab=new").content.decode()
    assert tab_count(first, "new") == 130
    assert len(row_ids(first)) == QUEUE_PAGE
    assert f"加载更多（还有 {130 - QUEUE_PAGE} 条）" in first
    arrived = []

    def more_arrive(page):
        arrived.extend(file_many(world, 3, text=f"第{page}页后新报的问题"))

    seen, pages = walk(staff, "new", between=more_arrive)
    expected = [r.pk for r in filed] + [r.pk for r in arrived]
    assert len(seen) == len(set(seen))  # no duplicates
    assert seen == sorted(expected)  # no gaps, oldest waiting first, arrivals at the end
    assert pages == 3
    last = staff.get("/console/queue/?tab=new").content.decode()
    assert tab_count(last, "new") == 130 + len(arrived)  # the count stays exact


def test_breached_tab_pages_newest_first_and_skips_nothing_when_rows_leave(world):
    """A deadline tab pages newest first; rows that leave the queue or arrive at its top
    between two pages neither repeat nor hide any other row."""
    filed = file_many(world, 110)
    staff_user = world.users["community_staff"]
    for r in filed:
        services.request_dispatch(request=r, org=world.company, acting_user=staff_user)
    past = timezone.now() - dt.timedelta(minutes=5)
    ServiceRequest.objects.filter(pk__in=[r.pk for r in filed]).update(respond_due_at=past)
    staff = world.client("community_staff")
    gone, newcomers = [], []

    def churn(page):
        # A request already shown is resolved (it leaves the queue), and a new request
        # breaches (it appears at the top, above the cursor).
        r = ServiceRequest.objects.get(pk=sorted(r.pk for r in filed)[-(page * 7)])
        worker = world.users["maintenance_worker"]
        services.request_accept(request=r, acting_user=worker)
        services.request_resolve(request=r, note="已修好", acting_user=worker)
        gone.append(r.pk)
        (late,) = file_many(world, 1, text="新的超时")
        services.request_dispatch(request=late, org=world.company, acting_user=staff_user)
        ServiceRequest.objects.filter(pk=late.pk).update(respond_due_at=past)
        newcomers.append(late.pk)

    seen, pages = walk(staff, "breached", between=churn)
    assert len(seen) == len(set(seen))
    assert seen == sorted(seen, reverse=True)
    unchanged = {r.pk for r in filed} - set(gone)
    assert unchanged <= set(seen)  # every row still breached was shown once
    assert not set(newcomers) & set(seen)  # new ones are above the cursor: the refresh shows them
    assert pages == 3
    body = staff.get("/console/queue/?tab=breached").content.decode()
    assert tab_count(body, "breached") == 110 - len(gone) + len(newcomers)
    assert set(newcomers) <= set(row_ids(body))


def test_refresh_keeps_the_loaded_rows_and_the_selected_one(world):
    filed = file_many(world, 120)
    staff = world.client("community_staff")
    first = staff.get("/console/queue/?tab=new").content.decode()
    page2 = staff.get(
        f"/console/queue/more/?tab=new&after={next_cursor(first)}", headers=HX
    ).content.decode()
    loaded = row_ids(first) + row_ids(page2)
    assert len(loaded) == 2 * QUEUE_PAGE
    boundary = through(page2)
    assert boundary == loaded[-1]
    selected = loaded[75]  # a request on the second page, open in the pane

    poll = staff.get(f"/console/queue/?tab=new&through={boundary}&r={selected}")
    body = poll.content.decode()
    assert body.lstrip().startswith('<div id="queue"')
    assert row_ids(body) == loaded  # nothing the dispatcher loaded was thrown away
    assert f'<tr class="qrow selected" data-id="{selected}"' in body
    assert next_cursor(body) == boundary and through(body) == boundary
    assert "加载更多（还有 20 条）" in body

    # Meanwhile a colleague dispatches a request of the second page: it leaves the tab,
    # and the page does not pull a row from the third page in its place.
    taken = ServiceRequest.objects.get(pk=loaded[60])
    services.request_dispatch(
        request=taken, org=world.company, acting_user=world.users["community_staff"]
    )
    body = staff.get(f"/console/queue/?tab=new&through={boundary}").content.decode()
    assert row_ids(body) == [pk for pk in loaded if pk != taken.pk]
    assert tab_count(body, "new") == 119
    # The third page continues right after the boundary: no gap, no duplicate.
    rest = staff.get(f"/console/queue/more/?tab=new&after={boundary}", headers=HX)
    assert row_ids(rest.content.decode()) == [r.pk for r in filed[100:]]
    # Without "through" (a fresh page or a tab switch) the tab starts with one page.
    assert len(row_ids(staff.get("/console/queue/?tab=new").content.decode())) == QUEUE_PAGE


def test_refresh_of_a_short_page_shows_arrivals_and_tops_up(world):
    """When fewer rows than a page remain loaded, the refresh shows a full first page."""
    filed = file_many(world, 3)
    staff = world.client("community_staff")
    body = staff.get("/console/queue/?tab=new").content.decode()
    assert "已显示全部" in body and next_cursor(body) is None
    boundary = through(body)
    (later,) = file_many(world, 1, text="刚报的")
    body = staff.get(f"/console/queue/?tab=new&through={boundary}").content.decode()
    assert row_ids(body) == [r.pk for r in filed] + [later.pk]


def test_the_polling_element_sends_the_boundary_and_tabs_do_not(world):
    file_many(world, 2)
    body = world.client("community_staff").get("/console/?tab=new").content.decode()
    assert 'hx-include="#queue-through"' in body and 'hx-disinherit="hx-include"' in body
    assert 'hx-trigger="every 10s"' in body


def test_pages_are_read_by_keyset_never_offset(world, django_assert_max_num_queries):
    file_many(world, 2 * QUEUE_PAGE + 5)
    staff = world.client("community_staff")
    first = staff.get("/console/queue/?tab=new").content.decode()
    second = staff.get(f"/console/queue/more/?tab=new&after={next_cursor(first)}", headers=HX)
    with CaptureQueriesContext(connection) as ctx:
        third = staff.get(
            f"/console/queue/more/?tab=new&after={next_cursor(second.content.decode())}",
            headers=HX,
        )
        staff.get(f"/console/queue/?tab=new&through={through(third.content.decode())}")
    assert len(row_ids(third.content.decode())) == 5
    sql = " ".join(q["sql"].upper() for q in ctx.captured_queries)
    assert "OFFSET" not in sql
    with django_assert_max_num_queries(12):
        staff.get(f"/console/queue/more/?tab=new&after={next_cursor(first)}", headers=HX)


def test_without_htmx_load_more_is_a_next_page(world):
    filed = file_many(world, QUEUE_PAGE + 4)
    staff = world.client("community_staff")
    cursor = filed[QUEUE_PAGE - 1].pk
    resp = staff.get(f"/console/queue/more/?tab=new&after={cursor}")
    assert resp.status_code == 302 and resp["Location"] == f"/console/?tab=new&after={cursor}"
    page = staff.get(resp["Location"]).content.decode()
    assert row_ids(page) == [r.pk for r in filed[QUEUE_PAGE:]]
    assert "回到队首" in page
    assert f"/console/queue/?tab=new&amp;after={cursor}" in page  # its refresh stays on it
    assert f"/console/?tab=new&amp;after={cursor}&amp;r={filed[-1].pk}" in page


def test_a_bad_cursor_is_ignored(world):
    r = file_via_service(world)
    staff = world.client("community_staff")
    for qs in ("after=abc", "after=-3", "through=x1", "after="):
        resp = staff.get(f"/console/queue/?tab=new&{qs}")
        assert resp.status_code == 200
        assert r.pk in row_ids(resp.content.decode())


def test_the_refresh_is_capped_and_continues_without_a_gap(world):
    """``through_cursor`` re-reads at most ``at_most`` rows; the rest follow by cursor."""
    from redprop.requests import selectors

    filed = file_many(world, 12)
    qs = ServiceRequest.objects.order_by("id")
    rows, nxt = selectors.through_cursor(qs, filed[-1].pk, at_least=3, at_most=5, ascending=True)
    assert [r.pk for r in rows] == [r.pk for r in filed[:5]] and nxt == filed[4].pk
    rest, end = selectors.after_cursor(qs, nxt, 50, ascending=True)
    assert [r.pk for r in rest] == [r.pk for r in filed[5:]] and end is None
    # Newest first, from after a cursor, through a boundary, topped up to a page.
    desc = ServiceRequest.objects.order_by("-id")
    rows, nxt = selectors.through_cursor(
        desc, filed[9].pk, at_least=4, at_most=50, after=filed[11].pk
    )
    assert [r.pk for r in rows] == [filed[i].pk for i in (10, 9, 8, 7)]
    assert nxt == filed[7].pk
