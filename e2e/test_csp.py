"""The Content-Security-Policy in a real browser (issue #10 hole 10, ADR 0018).

Chromium reports every refused inline script, style attribute, handler or eval on the
console ("Refused to ... Content Security Policy") and fires ``securitypolicyviolation``
on the document. Representative pages are loaded and used (the resident's home and
request page, a form sent back with errors, the console with its htmx panes, the
dashboard with a chart's tooltip, the admin, the API docs): none may report one.
Every journey's ``Journey.check_page`` makes the same check on the pages it shoots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from e2e.conftest import DESKTOP, PHONE
from e2e.test_journey import Journey
from redprop.conftest import build_world
from redprop.requests import services
from redprop.requests.models import Category

pytestmark = pytest.mark.django_db(transaction=True)

# Listens before any page script runs; the page's own code cannot remove it.
LISTEN = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber));"""


def violations(page: Any) -> list[str]:
    page.wait_for_timeout(200)  # a report is queued as a task after the violation
    return page.evaluate("() => window.__csp || []")


def visit(page: Any, url: str, seen: list[str]) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    seen += [f"{url}: {v}" for v in violations(page)]


def test_representative_pages_raise_no_csp_violation(
    live_server: Any, browser: Any, artifacts: Path
) -> None:
    world = build_world()
    r = services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description="厨房下水道堵塞，污水倒灌",
        unit=world.unit,
    )
    j = Journey(browser, live_server.url, artifacts)
    base = live_server.url
    seen: list[str] = []

    phone = j.open(PHONE, mobile=True)
    phone.context.add_init_script(LISTEN)
    visit(phone, f"{base}/accounts/login/", seen)
    j.login(phone, world.users["resident"].username)
    for path in ("/", "/my/", f"/r/{r.pk}/", "/file/"):
        visit(phone, base + path, seen)
    # A form sent back with its errors (no category, no description).
    phone.get_by_role("button", name="提交").first.click()
    phone.wait_for_load_state("networkidle")
    assert "errorlist" in phone.content() or "error" in phone.content()
    seen += [f"/file/ (errors): {v}" for v in violations(phone)]
    # The language switch: a select that submits its form (no onchange attribute).
    with phone.expect_navigation():
        phone.select_option("#lang", "en")
    assert phone.locator("html").get_attribute("lang") == "en"
    with phone.expect_navigation():
        phone.select_option("#lang", "zh-hans")
    assert phone.locator("html").get_attribute("lang") == "zh-CN"

    desk = j.open(DESKTOP, mobile=False)
    desk.context.add_init_script(LISTEN)
    j.login(desk, world.users["community_staff"].username)
    visit(desk, f"{base}/console/", seen)
    # The htmx pane of a request (swapped in, with its buttons and forms).
    desk.locator("#queue").get_by_text(r.number).click()
    desk.locator("#pane > .pane").wait_for()
    desk.wait_for_load_state("networkidle")
    seen += [f"console pane: {v}" for v in violations(desk)]
    visit(desk, f"{base}/dashboard/", seen)
    chart = desk.locator("[data-chart]:visible").first
    box = chart.bounding_box()
    assert box, "the dashboard drew no chart"
    desk.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    desk.wait_for_timeout(400)  # the tooltip (drawn on the canvas: renderMode richText)
    chart.screenshot(path=str(artifacts / "csp-dashboard-tooltip.png"))
    seen += [f"dashboard tooltip: {v}" for v in violations(desk)]
    visit(desk, f"{base}/reports/", seen)
    visit(desk, f"{base}/api/v1/docs", seen)
    assert desk.locator(".swagger-ui").count() == 1

    admin = j.open(DESKTOP, mobile=False)
    admin.context.add_init_script(LISTEN)
    j.login(admin, world.users["sysadmin"].username)
    for path in (
        "/admin/",
        "/admin/requests/servicerequest/",
        f"/admin/requests/servicerequest/{r.pk}/change/",
        "/admin/accounts/user/add/",
    ):
        visit(admin, base + path, seen)

    assert seen == [], "Content-Security-Policy violations:\n" + "\n".join(seen)
    assert j.csp == [], "Refused by the Content-Security-Policy:\n" + "\n".join(j.csp)
    assert j.foreign == []
    for page in j.pages:
        page.context.close()
