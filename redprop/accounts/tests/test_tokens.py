"""API tokens: issued through token_create (admin, manage.py), the key shown once and
stored hashed, with a scope, an expiry and revocation."""

import datetime as dt
import hashlib
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from redprop.accounts.models import ApiToken
from redprop.accounts.services import token_create, token_revoke
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent, AuditLog

pytestmark = pytest.mark.django_db

COMPOUNDS = "/api/v1/territory/compounds"


def _api(key):
    return Client(headers={"Authorization": f"Bearer {key}"})


def _post_request(key, world):
    return _api(key).post(
        "/api/v1/requests",
        {"category": "pipe_dredging", "description": "厨房下水道堵塞", "unit_id": world.unit.pk},
        content_type="application/json",
    )


def test_the_key_is_returned_once_and_only_its_hash_is_stored(world):
    issued = token_create(user=world.users["street_b"], name="hotline", acting_user=None)
    token = ApiToken.objects.get()
    assert issued.key.startswith("rp_")
    assert token.key_hash == hashlib.sha256(issued.key.encode()).hexdigest()
    assert issued.key not in str(ApiToken.objects.values().get())
    assert token.prefix == issued.key[:10]
    assert token.scope == "read"
    assert dt.timedelta(days=89) < token.expires_at - timezone.now() <= dt.timedelta(days=90)
    row = AuditLog.objects.get(event_type=AuditEvent.TOKEN_CREATED)
    assert issued.key not in str(row.extra) and row.extra["scope"] == "read"
    assert "password" not in str(row.after)


def test_a_read_token_reads_but_cannot_write(world):
    key = token_create(user=world.users["resident"], name="ro", acting_user=None).key
    assert _api(key).get("/api/v1/requests").status_code == 200
    resp = _post_request(key, world)
    assert resp.status_code == 403
    assert resp.json()["code"] == "token_read_only"
    assert "只读" in resp.json()["message"]
    rw = token_create(user=world.users["resident"], name="rw", scope="write", acting_user=None)
    assert _post_request(rw.key, world).status_code == 201


def test_an_expired_or_revoked_token_is_refused(world):
    issued = token_create(user=world.users["street_b"], name="x", acting_user=None)
    assert _api(issued.key).get(COMPOUNDS).status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert _api(issued.key).get(COMPOUNDS).status_code == 401
    other = token_create(user=world.users["street_b"], name="y", acting_user=None)
    token_revoke(token=other.token, acting_user=world.users["sysadmin"])
    assert _api(other.key).get(COMPOUNDS).status_code == 401
    assert AuditLog.objects.filter(event_type=AuditEvent.TOKEN_REVOKED).count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 65}, "name"),
        ({"scope": "admin"}, "scope"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 367}, "expires_in_days"),
    ],
)
def test_bad_token_requests_are_refused_and_write_nothing(world, kwargs, field):
    args = {"user": world.users["street_b"], "name": "ok", "acting_user": None, **kwargs}
    with pytest.raises(ApplicationError) as err:
        token_create(**args)
    assert err.value.field == field
    assert not ApiToken.objects.exists()


def test_admin_issues_a_token_and_shows_the_key_once(world):
    admin = world.client("sysadmin")
    resp = admin.post(
        "/admin/accounts/apitoken/add/",
        {
            "user": world.users["street_b"].pk,
            "name": "12345 热线",
            "scope": "write",
            "expires_in_days": 30,
        },
    )
    assert resp.status_code == 200
    html = resp.content.decode()
    key = re.search(r'value="(rp_[A-Za-z0-9_-]+)"', html)[1]
    assert "只显示这一次" in html
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert (token.name, token.scope, token.user) == ("12345 热线", "write", world.users["street_b"])
    assert _api(key).get(COMPOUNDS).status_code == 200
    # The change page never shows it again, and the hash is not a field there.
    page = admin.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert key not in page and token.key_hash not in page
    # Revoking is an action; deleting is not offered.
    admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _api(key).get(COMPOUNDS).status_code == 401
    assert admin.get(f"/admin/accounts/apitoken/{token.pk}/delete/").status_code == 403


def test_admin_token_pages_are_for_the_sysadmin_only(world):
    desk = world.client("housing_bureau")
    assert desk.get("/admin/accounts/apitoken/add/").status_code == 403
    desk.post(
        "/admin/accounts/apitoken/add/",
        {
            "user": world.users["housing_bureau"].pk,
            "name": "x",
            "scope": "write",
            "expires_in_days": 30,
        },
    )
    assert not ApiToken.objects.exists()


def test_manage_py_issues_lists_and_revokes(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "api_token", "issue", "--user", "t_street_b", "--name", "导入", "--days", "7",
        stdout=out, stderr=err,
    )  # fmt: skip
    key = out.getvalue().strip()
    assert key.startswith("rp_") and "\n" not in key
    assert "shown only once" in err.getvalue()
    assert _api(key).get(COMPOUNDS).status_code == 200
    token = ApiToken.objects.get()
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert token.prefix in listing.getvalue() and key not in listing.getvalue()
    call_command("api_token", "revoke", "--id", str(token.pk), stderr=io.StringIO())
    assert _api(key).get(COMPOUNDS).status_code == 401
    with pytest.raises(CommandError):
        call_command("api_token", "issue", "--user", "t_street_b", "--name", "x", "--days", "999")
