"""The main journey in a real browser (issue 5).

A resident files a request with a photo on a phone → the dispatcher, at a desk,
sees it appear in the console queue without reloading and dispatches it to a
maintenance worker picked by name → that worker, on a phone, accepts, arrives and
resolves it with an after-photo → the resident rates it. Screenshots of every step, at phone and
desktop width, go to e2e/artifacts/.

The test fails if the browser asks for anything but the live server (no CDN, no
web font, no analytics), and checks on every page that each field has a label,
the page has a title, and Chinese text is drawn with the bundled Noto Sans SC.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from e2e.conftest import DESKTOP, PHONE
from redprop.conftest import PASSWORD, build_world
from redprop.requests import services
from redprop.requests.models import Category, RequestPhoto, ServiceRequest

pytestmark = pytest.mark.django_db(transaction=True)

A11Y_JS = """() => {
  const fields = [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden');
  const unlabelled = fields.filter(el =>
    !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'));
  return {
    unlabelled: unlabelled.map(el => el.outerHTML.slice(0, 120)),
    title: document.title,
    h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim()),
    lang: document.documentElement.lang,
  };
}"""

FONT_JS = """async () => {
  await document.fonts.ready;
  const faces = [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'Noto Sans SC');
  return {loaded: faces.filter(f => f.status === 'loaded').length,
          family: getComputedStyle(document.body).fontFamily};
}"""


# In a full-page screenshot the phone's fixed bottom bar would float mid-page: pin it to
# the end of the page, where the user sees it when scrolled to the bottom. Set through
# the CSSOM (element.style), which the Content-Security-Policy allows; Playwright's
# screenshot(style=...) injects a <style> element, which it refuses.
PIN_NAV_JS = """(pin) => {
  const nav = document.querySelector('.has-nav .mainnav');
  document.documentElement.style.position = pin ? 'relative' : '';
  if (nav) nav.style.setProperty('position', pin ? 'absolute' : '', pin ? 'important' : '');
}"""


class Journey:
    """Pages of one browser, with the checks every page gets."""

    def __init__(self, browser: Any, base: str, artifacts: Path) -> None:
        self.browser = browser
        self.base = base
        self.artifacts = artifacts
        self.foreign: list[str] = []
        # What Chromium refused under the Content-Security-Policy (ADR 0018).
        self.csp: list[str] = []
        self.pages: list[Any] = []
        self.shots: list[str] = []

    def open(self, viewport: dict[str, int], *, mobile: bool) -> Any:
        context = self.browser.new_context(
            viewport=viewport,
            device_scale_factor=2 if mobile else 1,
            is_mobile=mobile,
            has_touch=mobile,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.on("request", self._check_request)
        page = context.new_page()
        page.set_default_timeout(30_000)  # CI machines are shared and slow at times
        page.on("console", lambda message, page=page: self._check_console(page, message))
        self.pages.append(page)
        return page

    def _check_request(self, request: Any) -> None:
        url = request.url
        if not (url.startswith(self.base) or url.startswith(("data:", "blob:"))):
            self.foreign.append(url)

    def _check_console(self, page: Any, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(f"{page.url}: {message.text}")

    def login(self, page: Any, username: str) -> None:
        page.goto(f"{self.base}/accounts/login/")
        page.get_by_label("用户名或手机号").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")

    def check_page(self, page: Any) -> None:
        """Labels on every field, a meaningful title and heading, Chinese in Noto Sans SC."""
        found = page.evaluate(A11Y_JS)
        assert found["unlabelled"] == [], f"fields without a label on {page.url}"
        assert found["title"].endswith("· 红色物业")
        assert len(found["title"]) > len("· 红色物业")
        assert found["h1"], f"no <h1> on {page.url}"
        assert found["lang"] == "zh-CN"
        fonts = page.evaluate(FONT_JS)
        assert fonts["family"].startswith('"Noto Sans SC"')
        assert fonts["loaded"] > 0, "Noto Sans SC was not loaded from var/vendor"
        assert self.csp == [], "refused by the Content-Security-Policy:\n" + "\n".join(self.csp)

    def shoot(self, page: Any, name: str) -> None:
        """Screenshot at the page's own width, then at the other width, then restore."""
        self.check_page(page)
        own = page.viewport_size
        for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)
            path = self.artifacts / f"{name}-{label}.png"
            page.evaluate(PIN_NAV_JS, label == "phone")
            page.screenshot(path=str(path), full_page=True)
            page.evaluate(PIN_NAV_JS, False)
            self.shots.append(path.name)
        page.set_viewport_size(own)


def camera_jpeg(tmp_path: Path, name: str, size: tuple[int, int]) -> Path:
    """A large "camera" photo (a gradient, so JPEG has something to encode)."""
    img = Image.linear_gradient("L").resize(size).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=92)
    path = tmp_path / name
    path.write_bytes(buf.getvalue())
    return path


def test_resident_dispatcher_worker_resident(
    live_server, outbox_relay, browser, artifacts, tmp_path
):
    world = build_world()
    # A neighbour-visible duplicate: the grid butler reported a blocked drain on patrol.
    patrol = services.request_file(
        acting_user=world.users["grid_butler"],
        category=Category.objects.get(code="pipe_dredging"),
        # Long, as real patrol notes are: the 时限 column must still not wrap at 1440 px.
        description="1栋一单元下水道堵塞，污水漫到楼道，一楼住户门口积水很深，老人小孩进出很不方便，请尽快派人疏通",
        building=world.building,
        channel="patrol",
    )
    # Two maintenance workers in the community: the grid's own (王师傅) and grid 2's (李师傅).
    from redprop.accounts.choices import Role
    from redprop.accounts.models import User
    from redprop.accounts.services import role_grant, user_create

    User.objects.filter(pk=world.users["maintenance_worker"].pk).update(display_name="王师傅")
    li = user_create(username="t_worker_li", password=PASSWORD, acting_user=None)
    User.objects.filter(pk=li.pk).update(display_name="李师傅")
    role_grant(user=li, role=Role.MAINTENANCE_WORKER, grid=world.grid_2, acting_user=None)
    # 李师傅 works for the company with a work phone issued with the post (ADR 0014).
    from redprop.orgs.services import org_add_member
    from redprop.people.services import person_create

    li_person = person_create(name="李建华", mobile="13500003333", acting_user=None)
    User.objects.filter(pk=li.pk).update(person=li_person)
    org_add_member(
        org=world.company,
        person=li_person,
        position="维修人员",
        work_phone="027-85551234",
        acting_user=None,
    )
    j = Journey(browser, live_server.url, artifacts)

    # --- the dispatcher opens the console first and keeps it open -------------------------
    desk = j.open(DESKTOP, mobile=False)
    j.login(desk, "t_community_staff")
    assert desk.url.endswith("/console/")
    desk.evaluate("window.__stillTheSamePage = true")
    assert desk.locator("#queue").get_by_text(patrol.number).is_visible()

    # --- the resident files, on a phone -------------------------------------------------
    phone = j.open(PHONE, mobile=True)
    phone.goto(f"{live_server.url}/accounts/login/")
    j.shoot(phone, "01-login")
    j.login(phone, "t_resident")
    assert phone.url.endswith("/my/")
    assert phone.get_by_text("幸福小区 · 1栋1单元101").is_visible()
    j.shoot(phone, "02-resident-my-requests")
    phone.get_by_role("link", name="我要反映").first.click()
    phone.wait_for_url("**/file/")
    phone.locator("label[for=cat-pipe_dredging]").click()
    phone.get_by_label("2. 问题描述").fill("厨房下水道堵塞，污水倒灌到地面")
    # The duplicate suggestion arrives by htmx after typing stops.
    suggestion = phone.locator("#similar")
    suggestion.get_by_text("这个问题已有人反映，是否一起关注？").wait_for()
    assert patrol.number in suggestion.inner_text()
    assert "污水漫到楼道" not in suggestion.inner_text()  # a neighbour's words stay private
    assert phone.get_by_label("3. 问题地点").input_value() == f"u:{world.unit.pk}"
    photo = camera_jpeg(tmp_path, "IMG_0001.jpg", (3000, 2000))
    phone.locator("#id_photos").set_input_files(str(photo))
    phone.locator("#id_photos[data-state=ready]").wait_for(state="attached")
    assert "已选 1 张照片" in phone.locator(".photo-status").inner_text()
    j.shoot(phone, "03-resident-file-form")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url(re.compile(r"/r/\d+/$"))
    r = ServiceRequest.objects.exclude(pk=patrol.pk).get()
    assert phone.get_by_text(f"已提交，诉求编号 {r.number}").is_visible()
    before = RequestPhoto.objects.get(request=r)
    assert max(before.width, before.height) == 1600  # shrunk in the browser
    # The photo is served by the app (not a public URL); wait for it to load on a busy machine.
    photo = phone.locator(".photo-set img").first.element_handle()
    phone.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=photo, timeout=20_000
    )
    j.shoot(phone, "04-resident-request-filed")

    # --- the dispatcher sees it arrive without reloading, and dispatches it ----------------
    row = desk.locator("#queue").get_by_text(r.number)
    row.wait_for(timeout=20_000)  # the queue polls every 10 s
    assert desk.evaluate("window.__stillTheSamePage") is True
    j.shoot(desk, "05-console-queue")
    # At 1440 px the 时限 column keeps "待派单" on one line.
    desk.set_viewport_size({"width": 1440, "height": 900})
    lines = desk.evaluate(
        "() => [...document.querySelectorAll('#queue .q-due > span')]"
        ".map(el => el.getClientRects().length)"
    )
    assert lines, "no 时限 cells in the queue"
    assert set(lines) == {1}, lines
    desk.set_viewport_size(DESKTOP)
    desk.locator("body").press("j")
    assert desk.evaluate("document.activeElement.dataset.key") == f"row-{patrol.pk}"
    desk.keyboard.press("j")
    assert desk.evaluate("document.activeElement.dataset.key") == f"row-{r.pk}"
    desk.keyboard.press("Enter")
    pane = desk.locator("#pane")
    pane.get_by_text("建议派给").wait_for()
    assert desk.locator("#pane > .pane").count() == 1  # swapped into the pane, not over it
    assert world.company.name in pane.locator(".suggest").inner_text()
    assert patrol.number in pane.locator(".dup-card").inner_text()  # the duplicate
    assert pane.get_by_label("承办单位").input_value() == str(world.company.pk)
    # The handler picker lists the company's workers, the grid's own first and suggested.
    picker = pane.get_by_label("指定处理人（选填）")
    labels = picker.locator("option").all_inner_texts()
    assert labels[0] == "不指定（按派单规则分配）"
    assert labels[1] == "王师傅（建议） · 维修人员 · 第一网格 · 在办 0 单"
    assert "李师傅 · 维修人员 · 第二网格 · 在办 0 单" in labels
    # The list follows the unit chosen (htmx): the water company has its own staff.
    pane.get_by_label("承办单位").select_option(str(world.water.pk))
    pane.locator("#id_dispatch-assignee option", has_text="t_unit_staff").wait_for(state="attached")
    assert "李师傅" not in pane.get_by_label("指定处理人（选填）").inner_text()
    pane.get_by_label("承办单位").select_option(str(world.company.pk))
    pane.locator("#id_dispatch-assignee option", has_text="李师傅").wait_for(state="attached")
    j.shoot(desk, "06-console-request-pane")
    # The dispatcher names 李师傅, who is nearer today, instead of the grid's worker.
    pane.get_by_label("指定处理人（选填）").select_option(
        label="李师傅 · 维修人员 · 第二网格 · 在办 0 单"
    )
    pane.get_by_role("button", name="派单", exact=True).click()
    desk.wait_for_load_state("networkidle")
    assert desk.get_by_text("已派单").first.is_visible()
    r.refresh_from_db()
    assert r.status == "dispatched"
    assert r.assignee_id == li.pk
    # The pane says what was done (to whom, the new deadline) and moves to the next
    # request instead of a fresh form reset to "不指定".
    done = desk.locator(".done-card")
    done.wait_for()
    done_text = done.inner_text()
    assert r.number in done_text
    assert "已派单" in done_text
    assert world.company.name in done_text
    assert "李师傅" in done_text
    assert "到场时限" in done_text
    assert desk.locator("#pane > .pane").get_attribute("data-id") == str(patrol.pk)
    assert f"r={patrol.pk}" in desk.url
    assert f"done={r.pk}" in desk.url
    j.shoot(desk, "06b-console-after-dispatch")

    # --- the named maintenance worker, on a phone: accept, arrive, resolve ----------------
    worker = j.open(PHONE, mobile=True)
    j.login(worker, "t_worker_li")
    assert worker.url.endswith("/orders/")
    card = worker.locator(".order-card", has_text=r.number)
    assert "距到场时限" in card.inner_text()
    j.shoot(worker, "07-worker-orders")
    card.click()
    worker.wait_for_url(f"**/r/{r.pk}/")
    j.shoot(worker, "08-worker-request")
    worker.get_by_role("button", name="接单", exact=True).click()
    worker.get_by_text("已接单，请尽快到达现场").wait_for()
    # 联系居民: the worker phones before coming up. The page shows the masked number
    # until asked; the number is then this order's, with the read on the PII log.
    from redprop.people.models import PiiAccessLog

    contact = worker.locator(".contact-card")
    assert "138****1234" in contact.inner_text()
    assert "13812341234" not in worker.content()
    # (The SMS relay read 李师傅's own mobile to text him the order: a system row.)
    assert not PiiAccessLog.objects.filter(person=r.reporter_id).exists()
    contact.get_by_role("button", name="联系居民").click()
    call = worker.locator(".contact-card a[href='tel:13812341234']")
    call.wait_for()
    assert "本次查看已记入个人信息查看记录" in worker.locator(".contact-card").inner_text()
    log = PiiAccessLog.objects.get(person=r.reporter_id)
    assert (log.actor_id, log.person_id, log.field) == (li.pk, r.reporter_id, "mobile")
    assert log.context == f"contact:reveal:{r.number}"
    assert r.number in log.reason
    j.shoot(worker, "08b-worker-contacts-resident")
    # The resident sees the worker's work phone, never a personal one.
    phone.goto(f"{live_server.url}/r/{r.pk}/")
    assert "027-85551234" in phone.locator(".facts").inner_text()
    assert "135****3333" not in phone.content()
    assert "13500003333" not in phone.content()
    j.shoot(phone, "08c-resident-sees-work-phone")
    worker.reload()
    worker.get_by_role("button", name="我已到场").click()
    worker.get_by_text("已登记到场时间").wait_for()
    worker.get_by_label("处理结果").fill("已疏通厨房下水管道，试水正常")
    after = camera_jpeg(tmp_path, "IMG_0002.jpg", (2400, 1800))
    worker.locator("#id_resolve-photos").set_input_files(str(after))
    worker.locator("#id_resolve-photos[data-state=ready]").wait_for(state="attached")
    j.shoot(worker, "09-worker-resolve")
    worker.get_by_role("button", name="提交办结").click()
    worker.get_by_text("已办结，等待居民评价").wait_for()
    r.refresh_from_db()
    assert r.status == "resolved"
    # Once resolved, the worker no longer has a way to the resident's number.
    assert worker.locator(".contact-card").count() == 0
    status, body = worker.evaluate(
        """async (url) => {
          const headers = JSON.parse(document.body.getAttribute('hx-headers'));
          const resp = await fetch(url, {method: 'POST', headers: {...headers, 'HX-Request': 'true'}});
          return [resp.status, await resp.text()];
        }""",
        f"/r/{r.pk}/contact/",
    )
    assert status == 403
    assert "只有本单当前处理人" in body
    assert "13812341234" not in body
    assert PiiAccessLog.objects.filter(person=r.reporter_id).count() == 1
    assert RequestPhoto.objects.filter(request=r, kind="after").count() == 1

    # --- the resident rates it ------------------------------------------------------------
    # The relay (run_outbox, here in a thread) delivers the notice within a moment.
    from redprop.notifications.models import InboxItem

    deadline = time.monotonic() + 20
    while not InboxItem.objects.filter(link=f"/r/{r.pk}/", kind="request.resolved").exists():
        assert time.monotonic() < deadline, "the relay did not deliver the notice in 20 s"
        time.sleep(0.2)
    phone.goto(f"{live_server.url}/inbox/")
    assert phone.get_by_role("link", name=f"您反映的问题已办结 {r.number}").is_visible()
    j.shoot(phone, "10-resident-inbox")
    phone.get_by_role("link", name=f"您反映的问题已办结 {r.number}").click()
    phone.wait_for_url(f"**/r/{r.pk}/")
    phone.get_by_text("问题已办结，请您评价").wait_for()
    phone.locator("label[for=id_rate-score_0]").click()  # 非常满意
    phone.locator("label[for=id_rate-solved_0]").click()  # 是，已解决
    phone.get_by_label("评价（选填）").fill("师傅半小时就修好了，谢谢社区")
    j.shoot(phone, "11-resident-rate")
    phone.get_by_role("button", name="提交评价").click()
    phone.get_by_text("感谢您的评价").wait_for()
    j.shoot(phone, "12-resident-rated")

    # Hook for the dashboards (part B): the community dashboard counts the request once it
    # is rated; here the journey only asserts that state through the API.
    api = phone.request.get(f"{live_server.url}/api/v1/requests/{r.pk}")
    assert api.status == 200
    assert api.json()["status"] == "rated"
    assert api.json()["rating"] == 5

    # The community dashboard counts it: its figures are the rollups' figures.
    from redprop.requests import selectors

    month = timezone.localdate().replace(day=1)
    expected = selectors.rates(
        scope=world.users["community_staff"].scope_set(), month_from=month, month_to=month
    )[0]
    assert expected["rated"] >= 1
    desk.goto(f"{live_server.url}/dashboard/")
    kpis = desk.locator(".kpis").inner_text()
    assert f"样本 {expected['rated']}" in kpis
    totals = desk.locator("main").inner_text()
    assert str(expected["filed"]) in totals
    j.shoot(desk, "13-community-dashboard")

    assert j.foreign == [], f"the browser asked for non-local URLs: {j.foreign}"
    for page in j.pages:
        page.context.close()
