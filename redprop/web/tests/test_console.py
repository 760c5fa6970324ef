"""派单台: the queues, the pane (duplicates, suggested unit) and the dispatcher's steps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from redprop.requests import services
from redprop.requests.models import RequestFollower, ServiceRequest
from redprop.web.tests.helpers import dispatched, file_via_service

pytestmark = pytest.mark.django_db


def queue(world, tab):
    return world.client("community_staff").get(f"/console/queue/?tab={tab}").content.decode()


def test_each_queue_lists_its_requests(world):
    new = file_via_service(world, description="楼道灯不亮")
    returned = dispatched(world, description="单元门禁坏了")
    services.request_return(
        request=returned, reason="不归物业", acting_user=world.users["maintenance_worker"]
    )
    late = dispatched(world, description="地下室积水")
    ServiceRequest.objects.filter(pk=late.pk).update(
        respond_due_at=timezone.now() - dt.timedelta(minutes=3)
    )
    escalated = file_via_service(world, description="违建占用消防通道")
    services.request_escalate(
        request=escalated, reason="涉及执法", acting_user=world.users["community_staff"]
    )
    assert new.number in queue(world, "new") and returned.number not in queue(world, "new")
    assert returned.number in queue(world, "returned")
    breached = queue(world, "breached")
    assert late.number in breached and "到场已超时" in breached and "due-bad" in breached
    assert escalated.number in queue(world, "escalated")
    page = world.client("community_staff").get("/console/?tab=returned").content.decode()
    assert 'aria-current="page" data-key="tab-returned"' in page.replace("\n", " ") or (
        'data-key="tab-returned"' in page
    )
    assert "J</kbd>/<kbd>K</kbd>" in page


def test_an_unknown_tab_falls_back_to_new(world):
    r = file_via_service(world)
    assert r.number in queue(world, "nonsense")


def test_pane_shows_duplicates_and_merges_one(world):
    first = file_via_service(world, description="厨房下水道堵塞，污水倒灌")
    second = file_via_service(world, description="厨房下水道又堵了，污水倒灌出来")
    pane = (
        world.client("community_staff")
        .get(f"/console/r/{second.pk}/?tab=new", headers={"HX-Request": "true"})
        .content.decode()
    )
    assert "疑似重复" in pane and first.number in pane and "污水倒灌" in pane
    resp = world.client("community_staff").post(
        f"/r/{second.pk}/do/merge/",
        {
            "merge-version": second.version,
            "merge-into": first.number,
            "next": "console",
            "tab": "new",
        },
    )
    assert resp.status_code == 302
    second.refresh_from_db()
    assert second.status == "merged" and second.merged_into_id == first.pk
    # Both were the same resident's: nobody new to follow.
    assert not RequestFollower.objects.filter(request=first).exists()


def test_escalate_revisit_and_close_from_the_console(world):
    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已修好", acting_user=worker)
    staff = world.client("community_staff")
    pane = staff.get(f"/console/r/{r.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "电话回访" in pane and "关闭诉求" in pane and "/do/dispatch/" not in pane
    resp = staff.post(
        f"/r/{r.pk}/do/revisit/",
        {"revisit-version": r.version + 2, "revisit-solved": "yes", "revisit-note": "居民表示满意"},
    )
    r.refresh_from_db()
    assert resp.status_code == 302, resp.content.decode()[:500]
    assert r.status == "rated" and r.solved is True and r.rating is None
    resp = staff.post(f"/r/{r.pk}/do/close/", {"close-version": r.version, "close-note": "已回访"})
    r.refresh_from_db()
    assert r.status == "closed"

    other = file_via_service(world, description="小区门口有人占道经营")
    resp = staff.post(
        f"/r/{other.pk}/do/escalate/",
        {"escalate-version": other.version, "escalate-reason": "需要城管执法", "next": "console"},
    )
    assert resp.status_code == 302
    other.refresh_from_db()
    assert other.status == "escalated"


def test_queue_poll_is_a_fragment_with_counts(world):
    file_via_service(world)
    body = queue(world, "new")
    assert body.lstrip().startswith('<div id="queue"')
    assert "<html" not in body
    assert '<span class="tab-n">1</span>' in body


def test_console_pane_without_htmx_redirects_to_the_console_page(world):
    r = file_via_service(world)
    resp = world.client("community_staff").get(f"/console/r/{r.pk}/?tab=new")
    assert resp.status_code == 302 and resp["Location"] == f"/console/?tab=new&r={r.pk}"
    page = world.client("community_staff").get(resp["Location"]).content.decode()
    assert f"<title>{r.number} · 派单台 · 红色物业</title>" in page


def test_dispatch_units_are_the_places_units(world):
    r = file_via_service(world)
    pane = (
        world.client("community_staff")
        .get(f"/console/r/{r.pk}/", headers={"HX-Request": "true"})
        .content.decode()
    )
    assert world.company.name in pane  # the compound's property company
    assert world.water.name in pane  # a co-building unit of the street
    assert "红星社区居委会" in pane  # the residents' committee
    assert world.company_b.name not in pane  # another street's company


def test_after_dispatching_the_console_shows_what_was_done_and_moves_to_the_next(world):
    """The pane used to come back with a fresh form reset to "不指定", as if nothing
    had happened: now it says to whom and by when, and opens the next request."""
    first = file_via_service(world, description="厨房下水道堵塞，污水倒灌")
    second = file_via_service(world, description="楼道灯不亮")
    staff = world.client("community_staff")
    worker = world.users["maintenance_worker"]
    resp = staff.post(
        f"/r/{first.pk}/do/dispatch/",
        {
            "dispatch-version": first.version,
            "dispatch-org": world.company.pk,
            "dispatch-assignee": worker.pk,
            "next": "console",
            "tab": "new",
        },
    )
    assert resp.status_code == 302
    assert resp["Location"] == f"/console/?tab=new&r={second.pk}&done={first.pk}"
    page = staff.get(resp["Location"]).content.decode()
    first.refresh_from_db()
    done = page[
        page.index('class="card done-card"') : page.index("</section>", page.index("done-card"))
    ]
    assert first.number in done and "已派单" in done
    assert world.company.name in done and str(worker) in done
    assert "到场时限" in done  # the new deadline (5341: on site within 5 minutes)
    assert f'data-id="{second.pk}"' in page  # the next request is open in the pane


def test_dispatching_the_last_request_says_the_queue_is_done(world):
    r = file_via_service(world)
    staff = world.client("community_staff")
    resp = staff.post(
        f"/r/{r.pk}/do/dispatch/",
        {"dispatch-version": r.version, "dispatch-org": world.company.pk, "next": "console"},
    )
    assert resp["Location"] == f"/console/?tab=new&done={r.pk}"
    page = staff.get(resp["Location"]).content.decode()
    assert "done-card" in page and "本队列已处理完" in page
