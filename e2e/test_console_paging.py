"""The console's paging in a real browser: "load more" by keyboard, and the 10-second
refresh keeping the loaded rows, the selected request and the place in the queue."""

from __future__ import annotations

import re

import pytest

from e2e.conftest import DESKTOP
from e2e.test_journey import Journey
from redprop.conftest import build_world
from redprop.requests import services
from redprop.requests.models import Category
from redprop.web.selectors import QUEUE_PAGE

pytestmark = pytest.mark.django_db(transaction=True)


def test_load_more_by_keyboard_and_the_refresh_keeps_it(live_server, browser, artifacts):
    world = build_world()
    category = Category.objects.get(code="pipe_dredging")

    def file(text):
        return services.request_file(
            acting_user=world.users["resident"],
            category=category,
            description=text,
            unit=world.unit,
        )

    filed = [file(f"{i + 1}号楼道下水道堵塞") for i in range(QUEUE_PAGE + 5)]
    j = Journey(browser, live_server.url, artifacts)
    desk = j.open(DESKTOP, mobile=False)
    j.login(desk, "t_community_staff")
    queue = desk.locator("#queue")
    rows = queue.locator("tr.qrow")
    assert rows.count() == QUEUE_PAGE
    assert queue.locator(".tab-n").first.inner_text() == str(len(filed))
    more = queue.locator("a.qmore")
    assert more.inner_text() == "加载更多（还有 5 条）"

    # j walks down the rows and on to "load more"; Enter loads the next page and puts
    # the focus on its first request.
    desk.locator("body").press("j")
    for _ in range(QUEUE_PAGE):
        desk.keyboard.press("j")
    assert desk.evaluate("document.activeElement.dataset.key") == "more"
    desk.keyboard.press("Enter")
    queue.get_by_text("已显示全部").wait_for()
    assert rows.count() == len(filed)
    # The focus moves once htmx has settled the swapped rows (asynchronously): wait for it.
    first_new = f"row-{filed[QUEUE_PAGE].pk}"
    desk.wait_for_function(
        "k => document.activeElement && document.activeElement.dataset.key === k",
        arg=first_new,
        timeout=5000,
    )
    assert desk.evaluate("document.activeElement.dataset.key") == first_new
    ids = [int(x) for x in rows.evaluate_all("rs => rs.map(r => r.dataset.id)")]
    assert ids == [r.pk for r in filed]  # oldest first, no duplicates, no gaps

    # Open a request of the second page; scroll the queue to the bottom.
    chosen = filed[-2]
    for key in "jjjjk":
        desk.keyboard.press(key)
    assert desk.evaluate("document.activeElement.dataset.key") == f"row-{chosen.pk}"
    desk.keyboard.press("Enter")
    desk.locator("#pane .pane").get_by_text(chosen.number).first.wait_for()
    scroll = desk.evaluate(
        "() => { const b = document.querySelector('#queue .queue-scroll');"
        " b.scrollTop = b.scrollHeight; return b.scrollTop; }"
    )
    assert scroll > 0

    # A new request arrives; the next refresh counts it and offers it after the loaded
    # rows, without dropping them or the selection, and the queue stays where it was.
    late = file("刚刚反映：地下室积水")
    queue.locator("a.qmore", has_text="还有 1 条").wait_for(timeout=25_000)
    assert queue.locator(".tab-n").first.inner_text() == str(len(filed) + 1)
    assert rows.count() == len(filed)
    selected = queue.locator("tr.qrow.selected")
    assert selected.count() == 1
    assert selected.get_attribute("data-id") == str(chosen.pk)
    kept = desk.evaluate("document.querySelector('#queue .queue-scroll').scrollTop")
    assert abs(kept - scroll) < 60, (kept, scroll)
    j.shoot(desk, "14-console-loaded-pages")
    queue.locator("a.qmore").click()
    queue.get_by_text(late.number).wait_for()
    assert rows.count() == len(filed) + 1
    assert re.search(r"/console/", desk.url)
    assert j.foreign == [], f"the browser asked for non-local URLs: {j.foreign}"
    desk.context.close()
