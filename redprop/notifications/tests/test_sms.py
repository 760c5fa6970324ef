"""SMS: the gateway gets the number in clear; the read is logged with the system as reader."""

import pytest
from django.test import override_settings

from redprop.accounts.choices import Role
from redprop.conftest import ADULT_MOBILE
from redprop.notifications.choices import Channel, OutboxStatus
from redprop.notifications.models import OutboxMessage
from redprop.notifications.services import outbox_enqueue
from redprop.notifications.sms import LocmemSmsBackend
from redprop.people.models import Person, PiiAccessLog
from redprop.people.services import person_update_contact

pytestmark = pytest.mark.django_db


def _dispatch(user):
    return outbox_enqueue(
        kind="request.dispatched",
        subject="诉求已派单 R-9",
        body="请于 2 小时内联系居民",
        recipients=[user],
    )


def test_console_backend_prints_the_mobile_masked_and_the_read_is_logged(world, capsys, relay):
    resident = world.users[Role.RESIDENT]
    messages = _dispatch(resident)
    relay()
    sms = next(m for m in messages if m.channel == Channel.SMS)
    out = capsys.readouterr().out
    # The backend got the number in clear (it is read and logged), but prints it masked.
    assert "[短信] 138****1234: 诉求已派单 R-9：请于 2 小时内联系居民" in out
    assert ADULT_MOBILE not in out
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.person, log.field, log.reason, log.context) == (
        None,
        world.resident,
        "mobile",
        "短信通知",
        "sms",
    )
    sms.refresh_from_db()
    assert sms.status == OutboxStatus.DELIVERED
    # The outbox keeps who, never the number.
    assert ADULT_MOBILE not in str(OutboxMessage.objects.filter(pk=sms.pk).values().get())


@override_settings(REDPROP_SMS_BACKEND="redprop.notifications.sms.LocmemSmsBackend")
def test_the_backend_is_chosen_by_settings_and_reads_the_current_number(world, relay):
    LocmemSmsBackend.outbox.clear()
    resident = world.users[Role.RESIDENT]
    _dispatch(resident)
    # The number is read at delivery time, so a correction before then counts.
    person_update_contact(person=world.resident, mobile="13700001234", acting_user=None)
    relay()
    assert LocmemSmsBackend.outbox == [("13700001234", "诉求已派单 R-9：请于 2 小时内联系居民")]


def test_no_sms_when_the_number_was_removed_before_delivery(world):
    resident = world.users[Role.RESIDENT]
    (sms,) = [m for m in _dispatch(resident) if m.channel == Channel.SMS]
    Person.objects.filter(pk=world.resident.pk).update(mobile_enc="")
    from redprop.notifications.services import outbox_sweep

    outbox_sweep()
    sms.refresh_from_db()
    assert sms.status == OutboxStatus.DEAD
    assert "手机号码" in sms.last_error
    assert not PiiAccessLog.objects.exists()
