"""Login lockout (django-axes): per account, whatever identifier is typed, and per address;
the lock and the unlock are audited; the API's tokens are not affected."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from redprop.accounts.services import token_create
from redprop.conftest import ADULT_MOBILE, PASSWORD
from redprop.core.models import AuditEvent, AuditLog

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
# Documentation addresses (RFC 5737): only strings in REMOTE_ADDR, never contacted.
IP_A, IP_B, IP_C = "203.0.113.5", "198.51.100.7", "192.0.2.9"


def _login(client, username, password, ip):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_twenty_wrong_passwords_then_the_right_one_is_refused_in_chinese(world):
    c = Client()
    for _ in range(20):
        _login(c, "t_resident", "wrong-password", IP_A)
    resp = _login(c, "t_resident", PASSWORD, IP_A)
    assert resp.status_code == 429
    assert not _logged_in(c)
    text = resp.content.decode()
    assert "登录失败次数过多" in text
    assert "联系系统管理员解锁" in text


def test_the_account_lock_holds_from_another_address_and_by_mobile(world):
    """Failures typed as the username lock the login by mobile too, from anywhere."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "t_resident", "wrong-password", IP_A if i % 2 else IP_C)
    for identifier in ("t_resident", ADULT_MOBILE):
        c = Client()
        resp = _login(c, identifier, PASSWORD, IP_B)
        assert resp.status_code == 429, identifier
        assert not _logged_in(c)
    # Another account from that address is not locked.
    c = Client()
    _login(c, "t_grid_butler", PASSWORD, IP_B)
    assert _logged_in(c)


def test_failures_typed_as_the_mobile_lock_the_username(world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), ADULT_MOBILE, "wrong-password", IP_A)
    c = Client()
    assert _login(c, "t_resident", PASSWORD, IP_B).status_code == 429
    # The attempt rows keep the account, never the typed mobile.
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"t_resident"}
    assert ADULT_MOBILE not in str(list(AccessAttempt.objects.values()))


def test_the_address_lock_holds_for_every_account(world):
    """Guessing many accounts from one address locks that address, not the accounts."""
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), f"guess{i}", "wrong-password", IP_A)
    c = Client()
    assert _login(c, "t_resident", PASSWORD, IP_A).status_code == 429
    assert not _logged_in(c)
    c = Client()
    _login(c, "t_resident", PASSWORD, IP_B)
    assert _logged_in(c)


def test_fewer_failures_than_the_limit_then_success_resets_the_count(world):
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(c, "t_resident", "wrong-password", IP_A)
    _login(c, "t_resident", PASSWORD, IP_A)
    assert _logged_in(c)
    assert not AccessAttempt.objects.filter(username="t_resident").exists()


def test_the_lock_is_audited_once(world):
    for _ in range(settings.AXES_FAILURE_LIMIT + 5):
        _login(Client(), "t_resident", "wrong-password", IP_A)
    rows = AuditLog.objects.filter(event_type=AuditEvent.LOGIN_LOCKED_OUT)
    assert rows.count() == 1
    row = rows.get()
    assert (row.target_type, row.target_id) == ("accounts.user", str(world.users["resident"].pk))
    assert row.extra["ip_address"] == IP_A
    assert row.extra["failures"] == settings.AXES_FAILURE_LIMIT


def test_admin_unlock_works_and_is_audited(world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "t_resident", "wrong-password", IP_A)
    assert _login(Client(), "t_resident", PASSWORD, IP_B).status_code == 429
    admin = world.client("sysadmin")
    changelist = "/admin/axes/accessattempt/"
    page = admin.get(changelist)
    assert page.status_code == 200
    assert "t_resident" in page.content.decode()
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    resp = admin.post(changelist, {"action": "unlock", "_selected_action": ids})
    assert resp.status_code == 302
    assert not AccessAttempt.objects.exists()
    rows = AuditLog.objects.filter(event_type=AuditEvent.LOGIN_UNLOCKED)
    assert {(r.actor, r.extra["account"]) for r in rows} == {
        (world.users["sysadmin"], "t_resident")
    }
    assert rows.count() == len(ids)
    c = Client()
    _login(c, "t_resident", PASSWORD, IP_B)
    assert _logged_in(c)


def test_only_the_sysadmin_sees_or_unlocks_the_locks(world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "t_resident", "wrong-password", IP_A)
    ids = list(AccessAttempt.objects.values_list("pk", flat=True))
    for role in ("community_staff", "housing_bureau"):
        desk = world.client(role)
        assert desk.get("/admin/axes/accessattempt/").status_code == 403
        desk.post("/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": ids})
    assert AccessAttempt.objects.count() == len(ids)
    # No delete page either: unlocking is the audited action.
    admin = world.client("sysadmin")
    assert admin.get(f"/admin/axes/accessattempt/{ids[0]}/delete/").status_code == 403


def test_api_tokens_are_not_affected_by_a_locked_account(world):
    key = token_create(user=world.users["street_b"], name="hotline", acting_user=None).key
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(Client(), "t_street_b", "wrong-password", "127.0.0.1")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/v1/territory/compounds").status_code == 200


def test_behind_a_proxy_the_forwarded_address_is_counted(world, settings):
    """With one trusted proxy, the address nginx appended is the client; what the client
    itself put first in X-Forwarded-For does not matter."""
    settings.REDPROP_TRUSTED_PROXY_COUNT = 1
    for i in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            LOGIN,
            {"username": f"guess{i}", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{i}, {IP_A}",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {IP_A}
    c = Client()
    resp = c.post(
        LOGIN,
        {"username": "t_resident", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=IP_B,
    )
    assert resp.status_code == 302


def test_the_test_clients_login_and_force_login_never_trip_the_lock(world):
    """Other apps' tests log in with Client.login (no request: nothing to count) or
    force_login (no password at all)."""
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        assert not Client().login(username="t_resident", password="wrong-password")
    assert Client().login(username="t_resident", password=PASSWORD)
    assert not AccessAttempt.objects.exists()
    c = Client()
    c.force_login(world.users["resident"])
    assert c.get("/my/").status_code == 200
