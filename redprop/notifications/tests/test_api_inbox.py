"""GET /api/v1/notifications/inbox and POST .../inbox/read: my own inbox only."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.notifications.models import InboxItem
from redprop.notifications.services import outbox_enqueue, outbox_sweep

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/inbox"


def _notify(user, subject):
    outbox_enqueue(kind="request.closed", subject=subject, body="", recipients=[user])
    outbox_sweep()


def test_anonymous_is_refused():
    assert Client().get(URL).status_code == 401
    response = Client().post(f"{URL}/read", {"ids": [1]}, content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize("role", [*Role.values, "nobody"])
def test_every_user_sees_only_their_own_items(world, role):
    me, other = world.users[role], world.users["street_b"]
    _notify(me, "给我的")
    _notify(other, "给别人的")
    response = world.client(role).get(URL)
    assert response.status_code == 200
    assert [i["subject"] for i in response.json()] == ["给我的"]


def test_newest_first_at_most_fifty_and_unread_filter(world):
    me = world.users[Role.GRID_BUTLER]
    start = timezone.now() - dt.timedelta(days=1)
    InboxItem.objects.bulk_create(
        InboxItem(user=me, kind="k", subject=f"#{i}", created_at=start + dt.timedelta(minutes=i))
        for i in range(60)
    )
    client = world.client(Role.GRID_BUTLER)
    body = client.get(URL).json()
    assert len(body) == 50
    assert body[0]["subject"] == "#59"
    assert body[-1]["subject"] == "#10"
    InboxItem.objects.filter(user=me).exclude(subject="#3").update(read_at=timezone.now())
    assert [i["subject"] for i in client.get(URL, {"unread": "true"}).json()] == ["#3"]


def test_mark_read_touches_only_my_items(world):
    me, other = world.users[Role.COMMUNITY_STAFF], world.users[Role.STREET_OFFICER]
    _notify(me, "一")
    _notify(me, "二")
    _notify(other, "别人的")
    mine = list(InboxItem.objects.filter(user=me).order_by("pk").values_list("pk", flat=True))
    theirs = InboxItem.objects.get(user=other)
    client = world.client(Role.COMMUNITY_STAFF)
    response = client.post(
        f"{URL}/read", {"ids": [mine[0], theirs.pk]}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {"updated": 1, "unread": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    body = client.get(URL).json()
    assert {i["subject"]: i["read_at"] is not None for i in body} == {"一": True, "二": False}
    # Marking again changes nothing.
    again = client.post(f"{URL}/read", {"ids": [mine[0]]}, content_type="application/json")
    assert again.json() == {"updated": 0, "unread": 1}


def test_mark_read_rejects_a_malformed_body(world):
    client = world.client(Role.COMMUNITY_STAFF)
    response = client.post(f"{URL}/read", {"ids": "all"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
