"""Notifications in each reader's language: the text is kept untranslated and the
inbox renders it for whoever opens it (notifications.texts)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext_noop

from redprop.accounts.choices import Role
from redprop.notifications.audience import audience
from redprop.notifications.models import InboxItem, OutboxMessage
from redprop.notifications.services import outbox_enqueue, outbox_fanout
from redprop.notifications.texts import Text

pytestmark = pytest.mark.django_db


def test_stored_in_the_platform_language_shown_in_the_readers(world, relay):
    worker = world.users[Role.MAINTENANCE_WORKER]
    with translation.override("en"):  # whatever language the writer happens to run in
        outbox_fanout(
            kind="request.escalated",
            subject=Text(
                gettext_noop("超时诉求上报%(target)s %(number)s"),
                {"target": gettext_noop("社区"), "number": "RP00000042"},
                translated=("target",),
                context="escalation target",
            ),
            body=Text(gettext_noop("退单原因：%(reason)s"), {"reason": "不是我们的事"}),
            audience=audience(users=[worker.pk]),
            link="/r/42/",
        )
    relay()
    item = InboxItem.objects.get(user=worker)
    # Stored (and sent by email or SMS) in Chinese, the platform language.
    assert (item.subject, item.body) == ("超时诉求上报社区 RP00000042", "退单原因：不是我们的事")
    assert item.subject_text == item.subject
    with translation.override("en"):
        assert item.subject_text == "Overdue request escalated to the community RP00000042"
        assert item.body_text == "Reason for returning: 不是我们的事"  # the typed words stay

    client = world.client(Role.MAINTENANCE_WORKER)
    page = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Overdue request escalated to the community RP00000042" in page
    api = client.get("/api/v1/notifications/inbox", HTTP_ACCEPT_LANGUAGE="en").json()
    assert api[0]["subject"] == "Overdue request escalated to the community RP00000042"
    assert client.get("/api/v1/notifications/inbox").json()[0]["subject"] == item.subject


def test_plain_strings_are_shown_as_stored(world, relay):
    """A caller that passes plain text (no Text) gets it back as it was, in any language."""
    staff = world.users[Role.COMMUNITY_STAFF]
    outbox_enqueue(kind="x.y", subject="通知标题", body="正文", recipients=[staff])
    relay()
    item = InboxItem.objects.get(user=staff)
    assert item.texts == {}
    with translation.override("en"):
        assert (item.subject_text, item.body_text) == ("通知标题", "正文")
    assert OutboxMessage.objects.get(channel="inbox").texts == {}


def test_a_request_notification_carries_its_untranslated_text(world, relay):
    from redprop.requests.models import Category, RoutingRule
    from redprop.requests.services import request_file

    RoutingRule.objects.create(
        region=world.city,
        category=Category.objects.get(code="pipe_dredging"),
        auto_dispatch=True,
    )
    r = request_file(
        acting_user=world.users[Role.RESIDENT],
        category=Category.objects.get(code="pipe_dredging"),
        description="厨房下水道堵了",
        unit=world.unit,
    )
    relay()
    item = InboxItem.objects.get(user=world.users[Role.MAINTENANCE_WORKER])
    assert item.subject == f"新派单 {r.number}"
    with translation.override("en"):
        assert item.subject_text == f"New dispatch {r.number}"
