"""Two-step verification (TOTP, django-otp): required for the housing bureau and
administrators, optional for everyone else, checked at every login once enrolled."""

import re
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from redprop.accounts.services import user_create
from redprop.conftest import PASSWORD
from redprop.core.models import AuditEvent, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _required(settings):
    settings.REDPROP_OTP_REQUIRED_ROLES = ["housing_bureau", "sysadmin"]


def _login(username):
    c = Client()
    resp = c.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert resp.status_code == 302
    return c


def _code(device, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _after_the_throttle(device):
    """As if the wait django-otp imposes after a wrong code had passed."""
    from django.utils import timezone

    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(hours=1)
    )
    device.refresh_from_db()


def _enrol(c):
    c.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user__pk=int(c.session["_auth_user_id"]), confirmed=False)
    resp = c.post("/accounts/2fa/setup/", {"otp_token": _code(device), "next": "/"})
    assert resp.status_code == 302, resp.content.decode()[:800]
    return device


def test_the_bureau_must_enrol_before_reaching_anything(world):
    c = _login("t_housing_bureau")
    for path in ("/", "/admin/", "/inbox/", "/dashboards/"):
        resp = c.get(path)
        assert resp.status_code == 302, path
        assert resp["Location"].startswith("/accounts/2fa/setup/?next="), path
    assert c.get("/api/v1/territory/compounds").status_code == 401
    page = c.get("/accounts/2fa/setup/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "您的角色须启用两步验证" in html
    # The QR code is inline SVG drawn here; the page loads nothing from outside.
    assert "<svg" in html
    assert not re.search(r"""(?:src|href)=["']https?://""", html)
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert page.context["nav_items"] == []  # no way out but enrolling or logging out


def test_a_superuser_must_enrol_too(world):
    admin = user_create(username="root", password=PASSWORD, acting_user=None)
    admin.is_superuser = admin.is_staff = True
    admin.save()
    c = _login("root")
    assert c.get("/admin/")["Location"].startswith("/accounts/2fa/setup/")


def test_enrolment_with_a_wrong_code_is_refused_in_chinese(world):
    c = _login("t_sysadmin")
    c.get("/accounts/2fa/setup/")
    resp = c.post("/accounts/2fa/setup/", {"otp_token": "000000"})
    assert resp.status_code == 400
    assert "验证码不正确或已过期" in resp.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert c.get("/admin/").status_code == 302


def test_enrolment_then_access_then_a_code_at_every_login(world):
    c = _login("t_housing_bureau")
    key_before = c.session.session_key
    device = _enrol(c)
    assert c.session.session_key != key_before  # re-keyed once verified
    assert c.get("/admin/").status_code == 200
    assert c.get("/api/v1/territory/compounds").status_code == 200
    assert c.get("/inbox/").context["nav_items"]
    row = AuditLog.objects.get(event_type=AuditEvent.OTP_ENROLLED)
    assert row.actor == world.users["housing_bureau"]

    # Next login: the password alone is not enough.
    d = _login("t_housing_bureau")
    resp = d.get("/admin/")
    assert resp["Location"] == "/accounts/2fa/verify/?next=%2Fadmin%2F"
    page = d.get(resp["Location"])
    assert "两步验证" in page.content.decode()
    assert d.post("/accounts/2fa/verify/", {"otp_token": "123456"}).status_code == 400
    # The code of the enrolment cannot be replayed.
    _after_the_throttle(device)
    used = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    used.time = device.t0 + device.last_t * device.step  # the step the enrolment code used
    replay = f"{used.token():06d}"
    assert d.post("/accounts/2fa/verify/", {"otp_token": replay}).status_code == 400
    # The next one is accepted (once the wait after a wrong code has passed).
    _after_the_throttle(device)
    resp = d.post(
        "/accounts/2fa/verify/", {"otp_token": _code(device, steps_ahead=1), "next": "/admin/"}
    )
    assert resp.status_code == 302 and resp["Location"] == "/admin/"
    assert d.get("/admin/").status_code == 200


def test_the_verify_page_throttles_guessing(world):
    c = _login("t_sysadmin")
    device = _enrol(c)
    d = _login("t_sysadmin")
    for _ in range(3):
        d.post("/accounts/2fa/verify/", {"otp_token": "000000"})
    device.refresh_from_db()
    resp = d.post("/accounts/2fa/verify/", {"otp_token": _code(device, steps_ahead=1)})
    assert resp.status_code == 400
    assert "尝试次数过多" in resp.content.decode()


def test_a_next_outside_the_site_is_ignored(world):
    c = _login("t_sysadmin")
    c.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(confirmed=False)
    resp = c.post(
        "/accounts/2fa/setup/", {"otp_token": _code(device), "next": "https://evil.example/"}
    )
    assert resp.status_code == 302
    assert "evil" not in resp["Location"] and resp["Location"].startswith("/")


def test_optional_for_other_staff_and_then_checked_at_login(world):
    c = _login("t_community_staff")
    assert c.get("/admin/").status_code == 200  # not required for this role
    assert "未启用" in c.get("/accounts/security/").content.decode()
    _enrol(c)
    assert "已启用" in c.get("/accounts/security/").content.decode()
    d = _login("t_community_staff")
    assert d.get("/admin/")["Location"].startswith("/accounts/2fa/verify/")


def test_replacing_the_device_needs_the_old_one_first(world):
    c = _login("t_community_staff")
    _enrol(c)
    d = _login("t_community_staff")
    resp = d.get("/accounts/2fa/setup/")
    assert resp["Location"].startswith("/accounts/2fa/verify/")
    assert TOTPDevice.objects.count() == 1


def test_the_admin_resets_a_lost_device_and_the_user_enrols_again(world):
    c = _login("t_housing_bureau")
    _enrol(c)
    admin_user = world.users["sysadmin"]
    admin = Client()
    admin.force_login(admin_user)
    admin.post("/accounts/2fa/setup/")  # get a device for the admin itself
    device = TOTPDevice.objects.get(user=admin_user, confirmed=False)
    admin.post("/accounts/2fa/setup/", {"otp_token": _code(device)})
    resp = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_two_step", "_selected_action": [world.users["housing_bureau"].pk]},
    )
    assert resp.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.users["housing_bureau"]).exists()
    assert AuditLog.objects.filter(event_type=AuditEvent.OTP_RESET, actor=admin_user).count() == 1
    # Their open session ended; at the next login they must enrol again.
    assert c.get("/my/")["Location"].startswith("/accounts/login/")
    d = _login("t_housing_bureau")
    assert d.get("/admin/")["Location"].startswith("/accounts/2fa/setup/")


def test_totp_secrets_are_not_in_the_admin(world):
    admin = Client()
    admin.force_login(world.users["sysadmin"])
    _enrol(admin)
    assert admin.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_the_suite_settings_do_not_require_two_step():
    """Other apps' tests force_login desk users with no device (config/settings/test.py)."""
    from config.settings import base, test

    assert test.REDPROP_OTP_REQUIRED_ROLES == []
    assert base.REDPROP_OTP_REQUIRED_ROLES == ["housing_bureau", "sysadmin"]
    assert django_settings.SESSION_COOKIE_AGE == 12 * 3600
