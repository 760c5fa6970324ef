"""The "联系居民" action on the request page (ADR 0014)."""

from __future__ import annotations

import pytest

from redprop.conftest import ADULT_MOBILE
from redprop.people.models import PiiAccessLog
from redprop.requests import services
from redprop.web.tests.helpers import dispatched

pytestmark = pytest.mark.django_db


def test_the_assignee_sees_the_action_and_gets_the_number_once_asked(world):
    r = dispatched(world)
    c = world.client("maintenance_worker")
    page = c.get(f"/r/{r.pk}/").content.decode()
    assert "联系居民" in page and f"/r/{r.pk}/contact/" in page
    assert ADULT_MOBILE not in page and "138****1234" in page
    assert not PiiAccessLog.objects.exists()  # opening the page reads nothing
    resp = c.post(f"/r/{r.pk}/contact/", headers={"HX-Request": "true"})
    assert resp.status_code == 200
    assert f'href="tel:{ADULT_MOBILE}"' in resp.content.decode()
    assert PiiAccessLog.objects.filter(actor=world.users["maintenance_worker"]).count() == 1


def test_the_action_without_javascript_renders_the_page_with_the_number(world):
    r = dispatched(world)
    resp = world.client("maintenance_worker").post(f"/r/{r.pk}/contact/")
    assert resp.status_code == 200
    assert f"tel:{ADULT_MOBILE}" in resp.content.decode()


@pytest.mark.parametrize("role", ["grid_butler", "community_staff", "company_staff", "resident"])
def test_anyone_but_the_assignee_is_refused_and_nothing_is_logged(world, role):
    r = dispatched(world)
    c = world.client(role)
    assert f"/r/{r.pk}/contact/" not in c.get(f"/r/{r.pk}/").content.decode()
    resp = c.post(f"/r/{r.pk}/contact/", headers={"HX-Request": "true"})
    assert resp.status_code == 403
    assert ADULT_MOBILE not in resp.content.decode()
    assert not PiiAccessLog.objects.exists()


def test_a_user_who_cannot_see_the_request_gets_404(world):
    r = dispatched(world)
    resp = world.client("street_b").post(f"/r/{r.pk}/contact/")
    assert resp.status_code == 404


def test_after_resolving_the_worker_has_no_action_and_is_refused(world):
    worker = world.users["maintenance_worker"]
    r = dispatched(world)
    r = services.request_accept(request=r, acting_user=worker)
    r = services.request_resolve(request=r, note="已疏通", acting_user=worker)
    c = world.client("maintenance_worker")
    assert f"/r/{r.pk}/contact/" not in c.get(f"/r/{r.pk}/").content.decode()
    assert c.post(f"/r/{r.pk}/contact/").status_code == 403
    assert not PiiAccessLog.objects.exists()


def test_the_reporter_sees_the_handlers_work_phone_and_not_the_personal_mobile(world):
    from redprop.orgs.services import org_add_member
    from redprop.people.services import person_create

    worker = world.users["maintenance_worker"]
    person = person_create(name="刘师傅", mobile="13500003333", acting_user=None)
    worker.person = person
    worker.save(update_fields=["person"])
    org_add_member(org=world.company, person=person, work_phone="027-85551234", acting_user=None)
    r = dispatched(world)
    page = world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "027-85551234" in page
    assert "135****3333" not in page and "13500003333" not in page
