import pytest
from django.conf import settings
from django.contrib.auth import authenticate as django_authenticate
from django.test import RequestFactory

from redprop.conftest import ADULT_MOBILE, PASSWORD

pytestmark = pytest.mark.django_db


def authenticate(**credentials):
    """As the login view calls it: with a request (the lockout backend requires one)."""
    return django_authenticate(RequestFactory().post("/accounts/login/"), **credentials)


def test_login_by_username(world):
    assert authenticate(username="t_resident", password=PASSWORD) == world.users["resident"]


def test_login_by_mobile(world):
    assert authenticate(username=ADULT_MOBILE, password=PASSWORD) == world.users["resident"]


def test_wrong_password_or_unknown(world):
    assert authenticate(username=ADULT_MOBILE, password="nope") is None
    assert authenticate(username="13700000000", password=PASSWORD) is None


def test_production_hasher_is_argon2():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert settings.AUTH_USER_MODEL == "accounts.User"


def test_role_anchor_required(world):
    from redprop.accounts.services import role_grant
    from redprop.core.errors import ApplicationError

    with pytest.raises(ApplicationError):
        role_grant(
            user=world.users["nobody"], role="community_staff", region=None, acting_user=None
        )
    with pytest.raises(ApplicationError):  # a street is not a community
        role_grant(
            user=world.users["nobody"],
            role="community_staff",
            region=world.street,
            acting_user=None,
        )


def test_token_auth(world):
    from django.test import Client

    from redprop.accounts.services import token_create

    raw = token_create(user=world.users["street_b"], name="hotline", acting_user=None).key
    c = Client(headers={"Authorization": f"Bearer {raw}"})
    assert {x["name"] for x in c.get("/api/v1/territory/compounds").json()} == {"桥西小区"}
    bad = Client(headers={"Authorization": "Bearer nope"})
    assert bad.get("/api/v1/territory/compounds").status_code == 401


def test_chinese_default_and_english_switchable(client):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    resp = client.get("/admin/login/")
    assert "登录" in resp.content.decode()
    resp = client.get("/admin/login/", headers={"Accept-Language": "en"})
    assert "Log in" in resp.content.decode()
