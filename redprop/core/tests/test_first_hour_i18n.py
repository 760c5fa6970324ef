"""English that leaked into the Chinese pages, and a language menu in the reader's
language (issue #18)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def superuser_client(world):
    """The demo's system administrator is a superuser: the tasks admin is theirs."""
    admin = world.users["sysadmin"]
    admin.is_superuser = True
    admin.is_staff = True
    admin.save(update_fields=["is_superuser", "is_staff"])
    return world.client("sysadmin")


def test_the_chinese_admin_names_the_task_results_in_chinese(world):
    c = superuser_client(world)
    page = c.get("/admin/").content.decode()
    assert "后台任务" in page and "任务结果" in page
    assert "Tasks Database Backend" not in page and "Task Results" not in page
    listing = c.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert "待执行" in listing and "优先级" in listing  # the status and priority filters
    assert ">Ready<" not in listing and "priority" not in listing.lower()


def test_the_english_admin_stays_english(world):
    c = superuser_client(world)
    page = c.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "Background tasks" in page and "Task Results" in page


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_the_language_menu_names_each_language_in_its_own_name(world, lang):
    page = world.client("resident").get("/my/", headers={"accept-language": lang}).content.decode()
    menu = page[page.index('<select id="lang"') : page.index("</select>", page.index('id="lang"'))]
    assert ">English<" in menu and ">简体中文<" in menu
    assert "英语" not in menu and "Simplified Chinese" not in menu


def test_a_missing_csrf_token_is_a_translated_api_error(world):
    from redprop.accounts.choices import Role

    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users[Role.RESIDENT])
    payload = {
        "category": "pipe_dredging",
        "description": "厨房下水道堵塞",
        "unit_id": world.unit.pk,
    }
    resp = c.post("/api/v1/requests", payload, content_type="application/json")
    assert resp.status_code == 403
    body = resp.json()
    assert body["code"] == "csrf_failed" and "CSRF 校验失败" in body["message"]
    resp = c.post(
        "/api/v1/requests",
        payload,
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert resp.json()["code"] == "csrf_failed"
    assert "CSRF check failed" in resp.json()["message"]
