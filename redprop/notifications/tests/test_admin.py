"""The notification admin is for sysadmins only; webhook secrets stay out of the audit log."""

import json

import pytest

from redprop.accounts.choices import Role
from redprop.core.models import AuditLog
from redprop.notifications.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

PAGES = [
    "/admin/notifications/outboxmessage/",
    "/admin/notifications/webhookendpoint/",
    "/admin/notifications/inboxitem/",
    "/admin/notifications/webhookendpoint/add/",
]


@pytest.mark.parametrize("url", PAGES)
def test_sysadmin_sees_the_pages(world, url):
    assert world.client(Role.SYSADMIN).get(url).status_code == 200


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "role",
    [Role.COMPANY_STAFF, Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.HOUSING_BUREAU],
)
def test_other_desk_roles_are_refused(world, url, role):
    assert world.client(role).get(url).status_code == 403


def test_nobody_may_add_an_outbox_message_by_hand(world):
    response = world.client(Role.SYSADMIN).get("/admin/notifications/outboxmessage/add/")
    assert response.status_code == 403


def test_creating_an_endpoint_is_audited_without_its_secret(world):
    response = world.client(Role.SYSADMIN).post(
        "/admin/notifications/webhookendpoint/add/",
        {
            "name": "区网格中心",
            "url": "https://grid.example.org/hooks/redprop",
            "secret": "do-not-copy-me",
            "event_kinds": json.dumps(["request.dispatched"]),
            "region": world.street.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == "do-not-copy-me"
    log = AuditLog.objects.get(target_type="notifications.webhookendpoint")
    assert log.after is not None
    assert log.after["secret"] == "******"
    assert "do-not-copy-me" not in json.dumps(log.after)


def test_event_kinds_must_be_a_list_of_names(world):
    response = world.client(Role.SYSADMIN).post(
        "/admin/notifications/webhookendpoint/add/",
        {
            "name": "x",
            "url": "https://x.example.org/",
            "secret": "k",
            "event_kinds": json.dumps({"request.dispatched": True}),
            "region": world.street.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not WebhookEndpoint.objects.exists()
