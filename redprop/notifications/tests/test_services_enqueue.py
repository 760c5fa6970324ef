"""outbox_enqueue: rows in the caller's transaction, one per recipient per channel,
delivered by the relay after the commit."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import user_create
from redprop.notifications.choices import Channel, OutboxStatus
from redprop.notifications.models import InboxItem, OutboxMessage, WebhookEndpoint
from redprop.notifications.services import outbox_enqueue
from redprop.people.services import person_create
from redprop.territory.places import scope_columns_of

pytestmark = pytest.mark.django_db


def _enqueue(**kwargs):
    defaults = {"kind": "request.dispatched", "subject": "新诉求 R-1", "body": "请尽快处理"}
    return outbox_enqueue(**{**defaults, **kwargs})


def _with_email(user, email):
    User.objects.filter(pk=user.pk).update(email=email)
    return User.objects.get(pk=user.pk)


def test_rolled_back_change_leaves_no_message_and_sends_nothing(world, relay, mailoutbox):
    """The change fails after enqueuing: no outbox row, no inbox item, no mail."""
    staff = _with_email(world.users[Role.COMMUNITY_STAFF], "staff@example.org")

    @transaction.atomic
    def change_that_fails():
        _enqueue(recipients=[staff])
        assert OutboxMessage.objects.count() == 2  # inbox + email, inside the change
        raise RuntimeError("the change itself failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert relay() == 0
    assert not OutboxMessage.objects.exists()
    assert not InboxItem.objects.exists()
    assert mailoutbox == []


def test_committed_change_is_delivered_to_the_inbox(
    world, relay, django_capture_on_commit_callbacks
):
    staff = world.users[Role.COMMUNITY_STAFF]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        (message,) = _enqueue(recipients=[staff], link="/r/1/", target=world.unit)
    # The writer queues nothing else (no task, no callback): the relay delivers.
    assert callbacks == []
    assert not InboxItem.objects.exists()
    assert relay() == 1
    item = InboxItem.objects.get()
    assert (item.user, item.kind, item.subject, item.body, item.link) == (
        staff,
        "request.dispatched",
        "新诉求 R-1",
        "请尽快处理",
        "/r/1/",
    )
    assert item.read_at is None
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1
    assert message.delivered_at is not None
    assert (message.target_type, message.target_id) == ("territory.unit", str(world.unit.pk))


def test_email_goes_to_users_with_an_address(world, relay, mailoutbox):
    staff = _with_email(world.users[Role.COMMUNITY_STAFF], "staff@example.org")
    officer = world.users[Role.STREET_OFFICER]  # no email address
    with override_settings(
        DEFAULT_FROM_EMAIL="noreply@redprop.test", REDPROP_SITE_URL="https://rp.test"
    ):
        _enqueue(kind="request.closed", recipients=[staff, officer], link="/r/7/")
        assert relay() == 3
    assert set(OutboxMessage.objects.values_list("channel", "recipient__username")) == {
        (Channel.EMAIL, staff.username),
        (Channel.INBOX, staff.username),
        (Channel.INBOX, officer.username),
    }
    (mail,) = mailoutbox
    assert mail.to == ["staff@example.org"]
    assert mail.from_email == "noreply@redprop.test"
    assert mail.subject == "新诉求 R-1"
    assert "请尽快处理" in mail.body
    assert "https://rp.test/r/7/" in mail.body
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}


def test_sms_only_for_listed_kinds_and_people_with_a_mobile(world):
    resident = world.users[Role.RESIDENT]  # linked to a person with a mobile number
    staff = world.users[Role.COMMUNITY_STAFF]  # no person
    _enqueue(kind="request.dispatched", recipients=[resident, staff])
    assert set(OutboxMessage.objects.values_list("channel", "recipient__username")) == {
        (Channel.INBOX, resident.username),
        (Channel.INBOX, staff.username),
        (Channel.SMS, resident.username),
    }
    OutboxMessage.objects.all().delete()
    _enqueue(kind="request.closed", recipients=[resident])
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == [Channel.INBOX]
    OutboxMessage.objects.all().delete()
    with override_settings(REDPROP_SMS_KINDS=["request.closed"]):
        _enqueue(kind="request.closed", recipients=[resident])
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == [
        Channel.INBOX,
        Channel.SMS,
    ]


def test_recipients_are_deduplicated_and_inactive_users_skipped(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    gone = world.users[Role.STREET_OFFICER]
    User.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    _enqueue(recipients=[staff, staff, None, gone])
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == [staff.pk]


def test_same_dedupe_key_twice_creates_one_message(world, relay):
    staff = world.users[Role.COMMUNITY_STAFF]
    created = _enqueue(recipients=[staff], dedupe_key="deadline_warning:42:handle")
    relay()
    again = _enqueue(recipients=[staff], dedupe_key="deadline_warning:42:handle")
    relay()
    assert len(created) == 1
    assert again == []
    assert OutboxMessage.objects.count() == 1
    assert InboxItem.objects.count() == 1
    # Another key is another notification.
    _enqueue(recipients=[staff], dedupe_key="deadline_warning:43:handle")
    assert OutboxMessage.objects.count() == 2


def test_webhook_endpoints_match_org_region_and_kind(world):
    """An endpoint hears its organisation's events and the events inside its region."""

    def endpoint(name, **kw):
        return WebhookEndpoint.objects.create(name=name, url=f"http://127.0.0.1:9/{name}", **kw)

    by_org = endpoint("company", org=world.company)
    by_street = endpoint("street", region=world.street)
    by_city = endpoint("city-dispatch-only", region=world.city, event_kinds=["request.dispatched"])
    endpoint("city-closed-only", region=world.city, event_kinds=["request.closed"])
    endpoint("other-street", region=world.street_b)
    endpoint("other-org", org=world.company_b)
    endpoint("switched-off", region=world.community, is_active=False)

    _enqueue(place=scope_columns_of(world.unit), org_id=world.company.pk)
    hooked = set(
        OutboxMessage.objects.filter(channel=Channel.WEBHOOK).values_list("endpoint", flat=True)
    )
    assert hooked == {by_org.pk, by_street.pk, by_city.pk}
    webhook = OutboxMessage.objects.filter(channel=Channel.WEBHOOK).earliest("pk")
    assert webhook.recipient is None


def test_place_is_taken_from_a_scoped_target(world):
    by_community = WebhookEndpoint.objects.create(
        name="c", url="http://127.0.0.1:9/c", region=world.community
    )
    _enqueue(target=world.building)
    assert list(OutboxMessage.objects.values_list("endpoint", flat=True)) == [by_community.pk]


def test_a_grid_id_never_matches_a_region_endpoint(world):
    """grid_id holds a Grid id; a Region endpoint with the same number must not hear it."""
    endpoint = WebhookEndpoint.objects.create(
        name="s", url="http://127.0.0.1:9/s", region=world.street
    )
    _enqueue(place={"grid_id": endpoint.region_id})
    assert not OutboxMessage.objects.exists()


def test_endpoint_listens_to_an_org_or_a_region_not_both(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEndpoint.objects.create(
            name="x", url="http://127.0.0.1:9/x", org=world.company, region=world.street
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEndpoint.objects.create(name="y", url="http://127.0.0.1:9/y")


def _recipients(n):
    users = []
    for i in range(n):
        person = person_create(name=f"测试{i}", mobile=f"1390000{i:04d}", acting_user=None)
        user = user_create(username=f"bulk{i}", password=None, person=person, acting_user=None)
        users.append(user)
    User.objects.filter(username__startswith="bulk").update(email="bulk@example.org")
    return list(User.objects.filter(username__startswith="bulk").order_by("pk"))


def test_enqueue_uses_a_constant_number_of_queries(world, django_assert_max_num_queries):
    """Two or twenty recipients: the same queries. Only SQLite splits a big insert, by
    its limit of 999 parameters per statement (58 outbox rows)."""
    WebhookEndpoint.objects.create(name="c", url="http://127.0.0.1:9/c", org=world.company)
    users = _recipients(20)

    def queries_for(recipients):
        with CaptureQueriesContext(connection) as ctx:
            created = _enqueue(
                recipients=recipients, place=scope_columns_of(world.unit), org_id=world.company.pk
            )
        sql = [q["sql"] for q in ctx.captured_queries]
        inserts = sum(1 for q in sql if q.startswith("INSERT"))
        return len(sql) - inserts, inserts, len(created)

    few, few_inserts, _ = queries_for(users[:2])
    many, many_inserts, rows = queries_for(users)
    assert rows == 20 * 3 + 1  # inbox, email and SMS each, plus one webhook
    assert few == many == 4  # savepoint, people with a mobile, endpoints, release
    assert few_inserts == 1
    fields = [f for f in OutboxMessage._meta.concrete_fields if f.name != "id"]
    per_insert = connection.ops.bulk_batch_size(fields, [None] * rows)
    assert many_inserts == -(-rows // per_insert)  # 1 on PostgreSQL
    with django_assert_max_num_queries(6 + many_inserts):  # + existing keys, read back
        _enqueue(recipients=users, dedupe_key="bulk")
