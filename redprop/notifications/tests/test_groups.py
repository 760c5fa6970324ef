"""Audience groups: a higher app names a group of people (the volunteers of a
community) that the relay resolves on delivery, without this app importing it."""

from __future__ import annotations

import pytest
from django.db.models import Q

from redprop.accounts.choices import Role
from redprop.notifications import audience as aud
from redprop.notifications.choices import OutboxStatus
from redprop.notifications.models import InboxItem
from redprop.notifications.services import outbox_fanout

pytestmark = pytest.mark.django_db


def test_a_registered_group_resolves_in_sql_with_the_other_parts(world):
    aud.register_group("test.residents_of", lambda pk: Q(person_id=pk))
    try:
        spec = aud.audience(
            groups=[("test.residents_of", world.resident.pk), ("test.residents_of", None)],
            users=[world.users[Role.COMMUNITY_STAFF].pk],
        )
        assert spec["groups"] == [{"name": "test.residents_of", "id": world.resident.pk}]
        assert {u.username for u in aud.resolve(spec)} == {
            world.users[Role.RESIDENT].username,
            world.users[Role.COMMUNITY_STAFF].username,
        }
    finally:
        aud._GROUPS.pop("test.residents_of", None)
    assert "volunteers.community" in aud.group_names()  # VolunteersConfig.ready


def test_an_unknown_group_fails_the_delivery_instead_of_reaching_nobody(world, relay):
    message = outbox_fanout(
        kind="test.kind",
        subject="标题",
        body="内容",
        audience={"groups": [{"name": "no.such.group", "id": 1}]},
    )
    relay()
    message.refresh_from_db()
    assert message.status == OutboxStatus.RETRYING
    assert "no.such.group" in message.last_error
    assert not InboxItem.objects.exists()
