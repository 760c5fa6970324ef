"""Sessions: a new key at login, idle timeout, absolute lifetime, logout everywhere."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from redprop.accounts import sessions as policy
from redprop.conftest import PASSWORD
from redprop.core.models import AuditEvent, AuditLog

pytestmark = pytest.mark.django_db


def _logged_in_client(username="t_resident"):
    c = Client()
    resp = c.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302, resp.content.decode()[:500]
    return c


def _authenticated(c) -> bool:
    return "_auth_user_id" in c.session


def _age(c, **seconds_ago):
    session = c.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[{"login": policy.LOGIN_AT, "seen": policy.SEEN_AT}[key]] = now - ago
    session.save()


def test_login_gives_the_session_a_new_key(world):
    c = Client()
    pre = c.session  # an anonymous session, as a visitor would have before logging in
    pre["visited"] = True
    pre.save()
    c.cookies[settings.SESSION_COOKIE_NAME] = pre.session_key
    c.post("/accounts/login/", {"username": "t_resident", "password": PASSWORD})
    after = c.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != pre.session_key
    assert not SessionStore().exists(pre.session_key)
    assert _authenticated(c)


def test_an_idle_session_ends_with_a_chinese_message(world):
    c = _logged_in_client()
    assert c.get("/my/").status_code == 200
    _age(c, login=31 * 60, seen=31 * 60)
    resp = c.get("/my/", follow=True)
    assert resp.redirect_chain[0][0] == "/accounts/login/?next=%2Fmy%2F"
    assert "30 分钟未操作" in resp.content.decode()
    assert not _authenticated(c)


def test_activity_keeps_the_session_alive(world):
    c = _logged_in_client()
    _age(c, login=25 * 60, seen=25 * 60)
    assert c.get("/my/").status_code == 200  # seen again: the idle clock restarts
    _age(c, login=50 * 60, seen=10 * 60)
    assert c.get("/my/").status_code == 200


def test_the_idle_timeout_is_a_setting(world, settings):
    settings.REDPROP_SESSION_IDLE_MINUTES = 5
    c = _logged_in_client()
    _age(c, seen=6 * 60)
    assert c.get("/my/").status_code == 302
    assert not _authenticated(c)


def test_the_absolute_lifetime_ends_an_active_session(world):
    c = _logged_in_client()
    _age(c, login=settings.SESSION_COOKIE_AGE + 60, seen=10)
    resp = c.get("/my/", follow=True)
    assert "请重新登录" in resp.content.decode()
    assert "12 小时" in resp.content.decode()
    assert not _authenticated(c)


def test_the_api_answers_401_to_an_expired_session(world):
    c = _logged_in_client("t_street_officer")
    assert c.get("/api/v1/territory/compounds").status_code == 200
    _age(c, seen=31 * 60)
    assert c.get("/api/v1/territory/compounds").status_code == 401


def test_logout_everywhere_ends_the_other_sessions_only(world):
    phone = _logged_in_client()
    desk = _logged_in_client()
    old_key = desk.session.session_key
    page = desk.get("/accounts/security/")
    assert "退出所有设备" in page.content.decode()
    resp = desk.post("/accounts/sessions/end-others/", follow=True)
    assert "已退出其他所有设备上的登录" in resp.content.decode()
    assert desk.session.session_key != old_key  # re-keyed
    assert desk.get("/my/").status_code == 200
    assert phone.get("/my/").status_code == 302
    assert not _authenticated(phone)
    row = AuditLog.objects.get(event_type=AuditEvent.SESSIONS_ENDED)
    assert row.actor == world.users["resident"]
    # Logging in again afterwards works as usual.
    again = _logged_in_client()
    assert again.get("/my/").status_code == 200


def test_logout_everywhere_is_post_only(world):
    c = _logged_in_client()
    assert c.get("/accounts/sessions/end-others/").status_code == 405
    assert not AuditLog.objects.filter(event_type=AuditEvent.SESSIONS_ENDED).exists()
