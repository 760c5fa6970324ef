"""The phone's bottom bar: four daily pages and 更多, which lists every page as a tile."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from redprop.web.nav import BAR_SIZE, nav_for

pytestmark = pytest.mark.django_db


def _bar(html: str) -> tuple[list[str], list[str]]:
    """(labels in the bar, labels the phone hides) of a rendered page's main nav."""
    nav = re.search(r'<nav class="mainnav".*?</nav>', html, re.S).group(0)
    shown, hidden = [], []
    for attrs, label in re.findall(r"<a ([^>]*)>.*?<span>([^<]+)</span>", nav, re.S):
        (hidden if "nav-extra" in attrs else shown).append(label)
    return shown, hidden


def test_resident_bar_keeps_daily_pages_and_moves_the_rest_to_more(world):
    items = nav_for(world.users["resident"], "/my/")
    assert len(items) > BAR_SIZE + 1
    primary = [i["name"] for i in items if not i["extra"]]
    assert primary == ["web:my_requests", "web:file_request", "web:notices", "web:inbox"]

    html = world.client("resident").get(reverse("web:my_requests")).content.decode()
    shown, hidden = _bar(html)
    assert shown == ["我的诉求", "我要反映", "通知公告", "消息", "更多"]
    assert "我的数据" in hidden and "业主表决" in hidden
    assert 'class="nav-more" href="/more/"' in html
    assert 'class="nav-more" href="/more/" aria-current' not in html


def test_more_lists_every_page_and_is_current_for_a_page_it_holds(world):
    client = world.client("resident")
    page = client.get(reverse("web:more"))
    assert page.status_code == 200
    tiles = re.findall(r'<ul class="more-tiles">(.*?)</ul>', page.content.decode(), re.S)[0]
    for item in nav_for(world.users["resident"], "/more/"):
        assert f'href="{item["url"]}"' in tiles
    assert 'class="nav-more" href="/more/" aria-current="page"' in page.content.decode()
    # 我的数据 is in 更多 on the phone: 更多 is the current entry there.
    data = client.get(reverse("web:my_data")).content.decode()
    assert 'class="nav-more" href="/more/" aria-current="page"' in data


def test_a_role_with_few_pages_has_no_more(world):
    from redprop.accounts.models import User

    user = User.objects.create_user(username="norole", password="x-long-password-1")
    assert nav_for(user, "/") == []
    client = world.client("resident")
    client.force_login(user)
    assert "nav-more" not in client.get(reverse("web:more")).content.decode()


def test_more_needs_a_login(client):
    answer = client.get(reverse("web:more"))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
