"""Who hears about volunteer activities and hours: the outbox rows a service writes, and
the inbox items the relay delivers from them (real database, no mocks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD, build_siblings
from redprop.core.errors import ApplicationError
from redprop.notifications.choices import Channel
from redprop.notifications.models import InboxItem, OutboxMessage
from redprop.people.services import person_create
from redprop.territory import services as territory
from redprop.volunteers import services as vs
from redprop.volunteers.tests.helpers import published, volunteer_world

pytestmark = pytest.mark.django_db


def _login(name: str, person: Any) -> User:
    user = user_create(username=name, password=PASSWORD, person=person, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
    return User.objects.get(pk=user.pk)


def _inbox(kind: str, link: str = "") -> list[tuple[str, str]]:
    items = InboxItem.objects.filter(kind=kind)
    if link:
        items = items.filter(link=link)
    return sorted(items.values_list("user__username", "link").order_by())


@pytest.fixture
def vw(world: Any, relay: Any) -> dict[str, Any]:
    """Community A: the world's resident volunteers, a second volunteer registered by the
    staff, a neighbour who lives there but is no volunteer. Community B: a resident who
    volunteers there. The activity is a draft of A's alliance."""
    build_siblings(world)
    data = volunteer_world(world, starts_in=dt.timedelta(hours=2))
    staff = data["staff"]
    second = person_create(name="张志愿", mobile="13911112222", acting_user=None)
    territory.occupancy_add(unit=world.unit, person=second, relation="tenant", acting_user=None)
    vs.volunteer_register(person_id=second.pk, community_id=world.community.pk, acting_user=staff)
    neighbour = person_create(name="赵邻居", mobile="13911113333", acting_user=None)
    territory.occupancy_add(unit=world.unit, person=neighbour, relation="other", acting_user=None)
    vs.volunteer_join(acting_user=world.siblings[Role.RESIDENT])  # volunteers in B
    start = timezone.now() + dt.timedelta(days=1)
    draft = vs.activity_create(
        team_id=data["team"].pk,
        title="周末楼道清扫",
        place="幸福小区1栋",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=20,
        acting_user=staff,
    )
    data.update(
        second=_login("vol_second", second),
        neighbour=_login("not_a_volunteer", neighbour),
        draft=draft,
    )
    relay()  # what building this world queued is delivered: the tests read what follows
    return data


def test_publish_is_one_fanout_that_reaches_the_communitys_volunteers_only(world, vw, relay):
    """Publishing writes one FANOUT row (one INSERT, no recipient query); delivered, it
    reaches A's two volunteers, not A's neighbour who does not volunteer, not B's
    volunteer, not the staff who published."""
    staff = vw["staff"]
    before = OutboxMessage.objects.filter(kind="volunteer.activity_published").count()
    with CaptureQueriesContext(connection) as ctx:
        vs.activity_transition(activity_id=vw["draft"].pk, action="publish", acting_user=staff)
    rows = OutboxMessage.objects.filter(kind="volunteer.activity_published").order_by("pk")
    assert rows.count() == before + 1
    message = rows.last()
    assert message.channel == Channel.FANOUT
    assert message.audience == {
        "groups": [{"name": "volunteers.community", "id": world.community.pk}]
    }
    assert sum("notifications_outboxmessage" in q["sql"] for q in ctx.captured_queries) == 1
    relay()
    link = f"/volunteers/{vw['draft'].pk}/"
    assert _inbox("volunteer.activity_published", link) == [
        (world.users[Role.RESIDENT].username, link),
        ("vol_second", link),
    ]
    item = InboxItem.objects.get(
        kind="volunteer.activity_published", user__username="vol_second", link=link
    )
    assert "周末楼道清扫" in item.subject and "名额 20 人" in item.body


def test_a_refused_publish_writes_no_notification(world, vw):
    """The sibling community's staff may not publish A's activity: nothing is queued."""
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError):
        vs.activity_transition(
            activity_id=vw["draft"].pk,
            action="publish",
            acting_user=world.siblings[Role.COMMUNITY_STAFF],
        )
    assert OutboxMessage.objects.count() == before


def test_cancel_tells_those_signed_up_with_the_reason(world, vw, relay):
    """Only the volunteers holding a place hear of a cancellation (not one who withdrew,
    not the community's other volunteers)."""
    staff, a = vw["staff"], vw["activity"]
    vs.signup_create(activity_id=a.pk, acting_user=world.users[Role.RESIDENT])
    vs.signup_create(activity_id=a.pk, acting_user=vw["second"])
    vs.signup_withdraw(activity_id=a.pk, acting_user=vw["second"])
    relay()
    vs.activity_transition(activity_id=a.pk, action="cancel", reason="暴雨预警", acting_user=staff)
    relay()
    assert _inbox("volunteer.activity_cancelled") == [
        (world.users[Role.RESIDENT].username, f"/volunteers/{a.pk}/")
    ]
    assert "暴雨预警" in InboxItem.objects.get(kind="volunteer.activity_cancelled").body
    # A draft cancelled has nobody signed up: nothing is queued.
    before = OutboxMessage.objects.count()
    vs.activity_transition(
        activity_id=vw["draft"].pk, action="cancel", reason="改期", acting_user=staff
    )
    assert OutboxMessage.objects.count() == before


def _served(a: Any, user: User) -> Any:
    vs.signup_create(activity_id=a.pk, acting_user=user)
    vs.checkin(activity_id=a.pk, acting_user=user)
    return vs.checkout(activity_id=a.pk, acting_user=user)


def test_hours_approved_and_rejected_reach_the_volunteer(world, vw, relay):
    staff, a = vw["staff"], published(world, vw["team"], title="探访独居老人")
    resident = world.users[Role.RESIDENT]
    mine, theirs = _served(a, resident), _served(a, vw["second"])
    # The volunteer may not approve their own hours: refused, nothing queued.
    before = OutboxMessage.objects.count()
    with pytest.raises(ApplicationError):
        vs.hours_decide(record_id=mine.pk, action="approve", acting_user=resident)
    assert OutboxMessage.objects.count() == before
    vs.hours_decide(record_id=mine.pk, action="approve", acting_user=staff)
    vs.hours_decide(record_id=theirs.pk, action="reject", reason="未到场签到", acting_user=staff)
    relay()
    assert _inbox("volunteer.hours_approved") == [(resident.username, "/volunteers/me/")]
    assert _inbox("volunteer.hours_rejected") == [("vol_second", "/volunteers/me/")]
    rejected = InboxItem.objects.get(kind="volunteer.hours_rejected")
    assert "未到场签到" in rejected.body


def test_bulk_approval_tells_each_volunteer_once(world, vw, relay):
    """Three records of two volunteers approved at once: two messages, the resident's
    counting their two records, queued in one statement."""
    staff, resident = vw["staff"], world.users[Role.RESIDENT]
    first = published(world, vw["team"], title="清扫一")
    second = published(world, vw["team"], title="清扫二")
    records = [_served(first, resident), _served(second, resident), _served(first, vw["second"])]
    relay()
    with CaptureQueriesContext(connection) as ctx:
        assert vs.hours_approve_bulk(record_ids=[r.pk for r in records], acting_user=staff) == 3
    assert OutboxMessage.objects.filter(kind="volunteer.hours_approved").count() == 2
    # Both messages in one INSERT, not one per volunteer (nor per record).
    assert sum("notifications_outboxmessage" in q["sql"] for q in ctx.captured_queries) == 1
    relay()
    items = {
        i.user.username: i
        for i in InboxItem.objects.filter(kind="volunteer.hours_approved").select_related("user")
    }
    assert set(items) == {resident.username, "vol_second"}
    assert items[resident.username].subject.startswith("2 条")
    assert items["vol_second"].subject.startswith("1 条")
