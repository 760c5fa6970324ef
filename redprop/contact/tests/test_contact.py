"""联系居民 / 联系处理人: who may reach whom, and when (ADR 0014)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import ADULT_MOBILE, PASSWORD
from redprop.contact import gateways
from redprop.contact.models import ContactRecord
from redprop.contact.services import contact_reporter
from redprop.core.errors import ApplicationError
from redprop.orgs.services import org_add_member
from redprop.people.models import PiiAccessLog
from redprop.people.services import person_create
from redprop.requests import permissions, services
from redprop.requests.choices import Status
from redprop.web import presenters
from redprop.web.tests.helpers import dispatched

pytestmark = pytest.mark.django_db

WORK_PHONE = "027-85551234"


def neighbour(world: Any, request: Any) -> Any:
    """A resident of the same compound who follows the request (一起关注)."""
    from redprop.territory import services as territory

    person = person_create(name="赵秀英", mobile="13700002222", acting_user=None)
    unit = territory.unit_create(
        building=world.building_2,
        label="2栋1单元301",
        floor_area="80",
        owners=[person],
        acting_user=None,
    )
    territory.occupancy_add(unit=unit, person=person, acting_user=None)
    user = user_create(username="t_neighbour", password=PASSWORD, person=person, acting_user=None)
    role_grant(user=user, role=Role.RESIDENT, person=person, acting_user=None)
    services.request_follow(request=request, acting_user=user)
    return user


def worker_with_work_phone(world: Any) -> Any:
    """The grid's maintenance worker as a person and member of the company, with a
    work phone issued with the post."""
    worker = world.users["maintenance_worker"]
    person = person_create(name="刘师傅", mobile="13500003333", acting_user=None)
    worker.person = person
    worker.save(update_fields=["person"])
    org_add_member(
        org=world.company,
        person=person,
        position="维修人员",
        work_phone=WORK_PHONE,
        acting_user=None,
    )
    return worker


def test_who_may_contact_the_reporter_while_the_order_is_open(world):
    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    assert r.assignee_id == worker.pk  # the routing policy named the grid's worker
    assert permissions.can_contact_reporter(worker, r)
    others = [
        "grid_butler",  # may handle the order, but is not its named handler
        "company_staff",
        "unit_staff",
        "community_staff",
        "street_officer",
        "housing_bureau",
        "sysadmin",
        "resident",  # the reporter themself
        "nobody",
    ]
    for role in others:
        assert not permissions.can_contact_reporter(world.users[role], r), role
    assert not permissions.can_contact_reporter(neighbour(world, r), r)


def test_the_handler_loses_the_contact_once_the_order_is_resolved(world):
    worker = world.users["maintenance_worker"]
    r = dispatched(world)
    r = services.request_accept(request=r, acting_user=worker)
    assert permissions.can_contact_reporter(worker, r)
    r = services.request_resolve(request=r, note="已疏通", acting_user=worker)
    assert r.status == Status.RESOLVED
    assert not permissions.can_contact_reporter(worker, r)
    with pytest.raises(ApplicationError) as err:
        contact_reporter(request=r, acting_user=worker)
    assert err.value.status == 403 and err.value.code == "contact_not_allowed"
    assert not PiiAccessLog.objects.exists() and not ContactRecord.objects.exists()


def test_a_worker_no_longer_assigned_cannot_contact(world):
    worker = world.users["maintenance_worker"]
    r = dispatched(world)
    r = services.request_dispatch(
        request=r, org=world.water, acting_user=world.users["community_staff"]
    )
    assert r.assignee_id != worker.pk
    assert not permissions.can_contact_reporter(worker, r)


def test_no_contact_for_an_anonymous_request(world):
    r = dispatched(world)
    type(r).objects.filter(pk=r.pk).update(anonymous=True)
    r.refresh_from_db()
    assert not permissions.can_contact_reporter(world.users["maintenance_worker"], r)


def test_reveal_shows_the_number_for_the_order_and_logs_the_read(world):
    worker = world.users["maintenance_worker"]
    r = dispatched(world)
    result = contact_reporter(request=r, acting_user=worker)
    assert result.method == "reveal"
    assert result.number == ADULT_MOBILE
    log = PiiAccessLog.objects.get()
    assert log.actor == worker and log.person_id == r.reporter_id and log.field == "mobile"
    assert r.number in log.reason  # the reason is written for the worker
    assert log.context == f"contact:reveal:{r.number}"
    record = ContactRecord.objects.get()
    assert (record.request_id, record.actor_id, record.method) == (r.pk, worker.pk, "reveal")
    assert record.virtual_number == ""


def test_the_people_reveal_policy_still_refuses_a_worker_outside_the_contact_grant(world):
    """The grant is the order's relationship, not a new role right."""
    from redprop.people.services import person_reveal

    dispatched(world)
    with pytest.raises(ApplicationError) as err:
        person_reveal(
            person=world.resident,
            field="mobile",
            reason="想看看",
            acting_user=world.users["maintenance_worker"],
        )
    assert err.value.status == 403
    assert not PiiAccessLog.objects.exists()


@override_settings(REDPROP_CONTACT_MODE="bridge")
def test_bridge_places_the_call_through_the_gateway_and_never_shows_the_number(world, caplog):
    worker = worker_with_work_phone(world)
    r = dispatched(world)
    with caplog.at_level("INFO", logger="redprop.contact"):
        result = contact_reporter(request=r, acting_user=worker)
    assert result.method == "bridge"
    assert result.number.startswith("1700000") and result.number != ADULT_MOBILE
    assert result.expires_at is not None
    record = ContactRecord.objects.get()
    assert record.gateway == "demo" and record.call_id.startswith("demo-")
    assert record.virtual_number == result.number and record.caller_number == WORK_PHONE
    # The system read the number to hand it to the gateway: on the log, in the worker's name.
    log = PiiAccessLog.objects.get()
    assert log.actor == worker and log.context == f"contact:bridge:{r.number}"
    # The demo gateway logs the bridged call with the resident's number masked.
    assert record.call_id in caplog.text
    assert ADULT_MOBILE not in caplog.text and "138****1234" in caplog.text


@override_settings(REDPROP_CONTACT_MODE="bridge")
def test_bridge_needs_a_work_phone(world):
    r = dispatched(world)
    with pytest.raises(ApplicationError) as err:
        contact_reporter(request=r, acting_user=world.users["maintenance_worker"])
    assert err.value.code == "contact_no_work_phone"
    assert not PiiAccessLog.objects.exists() and not ContactRecord.objects.exists()


class BrokenGateway(gateways.MaskingGateway):
    name = "broken"

    def bind(self, **kwargs: Any) -> gateways.Bridge:
        raise gateways.GatewayError("timeout")


@override_settings(
    REDPROP_CONTACT_MODE="bridge",
    REDPROP_CONTACT_GATEWAY="redprop.contact.tests.test_contact.BrokenGateway",
)
def test_a_failing_gateway_writes_nothing(world):
    worker = worker_with_work_phone(world)
    r = dispatched(world)
    with pytest.raises(ApplicationError) as err:
        contact_reporter(request=r, acting_user=worker)
    assert err.value.status == 502
    assert not PiiAccessLog.objects.exists() and not ContactRecord.objects.exists()


def test_the_reporter_sees_the_handlers_work_phone_never_a_personal_one(world):
    worker = worker_with_work_phone(world)
    r = dispatched(world)
    resident = world.users["resident"]
    assert permissions.can_contact_handler(resident, r)
    contact = presenters.handler_contact(r, show_work_phone=True)
    assert contact.phone == WORK_PHONE
    assert "13500003333" not in contact.phone and "135****3333" not in contact.phone
    # A follower is not the reporter; the worker is not a resident.
    assert not permissions.can_contact_handler(neighbour(world, r), r)
    assert not permissions.can_contact_handler(worker, r)
    # Once resolved, the reporter no longer gets the work phone.
    r = services.request_accept(request=r, acting_user=worker)
    r = services.request_resolve(request=r, note="已疏通", acting_user=worker)
    assert not permissions.can_contact_handler(resident, r)
