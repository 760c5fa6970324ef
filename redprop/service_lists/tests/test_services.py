"""The service list's services: posting, two-way claiming, the steps, evidence, the
link to requests, and who reads a care recipient's name."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent, AuditLog
from redprop.people.models import PiiAccessLog
from redprop.service_lists import selectors, services
from redprop.service_lists.models import ServiceItem, ServiceItemEvent
from redprop.service_lists.tests.helpers import agree, jpeg, need, resource

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world):  # type: ignore[no-untyped-def]
    agree(world)
    return world


def test_need_claimed_by_unit_and_completed_with_evidence(w) -> None:  # type: ignore[no-untyped-def]
    """A grid worker's need is claimed by the co-building unit, served and completed
    with a note and a photo; each step is on the timeline and the audit log."""
    item = need(w)
    unit = w.users[Role.UNIT_STAFF]
    item = services.item_claim(acting_user=unit, item_id=item.pk)
    assert item.status == "claimed" and item.claimed_org_id == w.water.pk
    services.item_start(acting_user=unit, item_id=item.pk)
    item = services.item_complete(
        acting_user=unit, item_id=item.pk, note="已上门探访，老人身体良好", photos=[jpeg()]
    )
    assert item.status == "done" and item.photos.count() == 1
    kinds = list(ServiceItemEvent.objects.filter(item=item).values_list("kind", flat=True))
    assert kinds == ["posted", "claim", "start", "complete"]
    events = set(
        AuditLog.objects.filter(target_id=str(item.pk)).values_list("event_type", flat=True)
    )
    assert {AuditEvent.SERVICE_ITEM_POSTED, AuditEvent.SERVICE_ITEM_CLAIMED} <= events


def test_claim_on_claimed_item_is_409_and_writes_nothing(w) -> None:  # type: ignore[no-untyped-def]
    item = need(w)
    services.item_claim(acting_user=w.users[Role.UNIT_STAFF], item_id=item.pk)
    before = ServiceItemEvent.objects.count()
    # Company A serves a compound of community A: it builds with it too.
    with pytest.raises(ApplicationError) as err:
        services.item_claim(acting_user=w.users[Role.COMPANY_STAFF], item_id=item.pk)
    assert err.value.status == 409
    assert err.value.as_dict() == {
        "code": "service_item_already_claimed",
        "message": "该事项已被认领",
        "field": "status",
    }
    assert ServiceItemEvent.objects.count() == before


def test_two_way_claims(w) -> None:  # type: ignore[no-untyped-def]
    """A resident may not claim a need (403); a unit may not claim its own resource; a
    grid worker claims the unit's resource for a resident."""
    item = need(w)
    with pytest.raises(ApplicationError) as err:
        services.item_claim(acting_user=w.users[Role.RESIDENT], item_id=item.pk)
    assert err.value.status == 403
    res = resource(w)
    assert res.offered_by_id == w.water.pk
    with pytest.raises(ApplicationError) as err:
        services.item_claim(acting_user=w.users[Role.UNIT_STAFF], item_id=res.pk)
    assert err.value.status == 403
    res = services.item_claim(
        acting_user=w.users[Role.GRID_BUTLER], item_id=res.pk, for_person_id=w.resident.pk
    )
    assert res.claimed_for_id == w.resident.pk and res.claimed_org_id is None


def test_unit_without_agreement_sees_nothing(world) -> None:  # type: ignore[no-untyped-def]
    """No agreement: the water company neither sees nor claims community A's needs."""
    item = need(world)
    unit = world.users[Role.UNIT_STAFF]
    assert not selectors.item_list(user=unit).exists()
    with pytest.raises(ApplicationError) as err:
        services.item_claim(acting_user=unit, item_id=item.pk)
    assert err.value.status == 404


def test_bad_input_writes_nothing(w) -> None:  # type: ignore[no-untyped-def]
    n = ServiceItem.objects.count()
    cases = [
        ({"title": ""}, "title"),
        ({"title": "x" * 65}, "title"),
        ({"service_class": "nope"}, "service_class"),
        ({"due_on": timezone.localdate() - dt.timedelta(days=1)}, "due_on"),
        ({"due_on": timezone.localdate() + dt.timedelta(days=400)}, "due_on"),
        ({"compound_id": w.compound_b.pk}, "compound_id"),
        ({"compound_id": 987654321}, "compound_id"),
        ({"beneficiary_id": w.resident_b.pk}, "beneficiary_id"),
    ]
    for kw, field in cases:
        with pytest.raises(ApplicationError) as err:
            need(w, **kw)
        assert err.value.field == field and 400 <= err.value.status < 500, kw
    assert ServiceItem.objects.count() == n


def test_complete_needs_a_note_and_steps_in_order(w) -> None:  # type: ignore[no-untyped-def]
    item = need(w)
    unit = w.users[Role.UNIT_STAFF]
    with pytest.raises(ApplicationError) as err:
        services.item_start(acting_user=unit, item_id=item.pk)
    assert err.value.status == 403  # not the holder yet
    services.item_claim(acting_user=unit, item_id=item.pk)
    with pytest.raises(ApplicationError) as err:
        services.item_complete(acting_user=unit, item_id=item.pk, note="完成")
    assert err.value.status == 409 and err.value.code == "service_item_invalid_transition"
    services.item_start(acting_user=unit, item_id=item.pk)
    with pytest.raises(ApplicationError) as err:
        services.item_complete(acting_user=unit, item_id=item.pk, note="  ")
    assert err.value.field == "note"
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_release_and_cancel(w) -> None:  # type: ignore[no-untyped-def]
    item = need(w)
    unit = w.users[Role.UNIT_STAFF]
    services.item_claim(acting_user=unit, item_id=item.pk)
    with pytest.raises(ApplicationError) as err:
        services.item_release(acting_user=unit, item_id=item.pk, reason="")
    assert err.value.field == "reason"
    item = services.item_release(acting_user=unit, item_id=item.pk, reason="人手不足")
    assert item.status == "open" and item.claimed_by_id is None
    item = services.item_cancel(
        acting_user=w.users[Role.COMMUNITY_STAFF], item_id=item.pk, reason="老人已由子女接走"
    )
    assert item.status == "cancelled"


def test_overdue_shown(w) -> None:  # type: ignore[no-untyped-def]
    item = need(w)
    later = item.due_on + dt.timedelta(days=3)
    assert item.days_overdue(later) == 3
    rows = selectors.item_list(user=w.users[Role.COMMUNITY_STAFF], overdue=True, today=later)
    assert list(rows) == [item]


def test_need_from_request_and_spawn_request(w) -> None:  # type: ignore[no-untyped-def]
    from redprop.requests.models import Category
    from redprop.requests.services import request_file

    sr = request_file(
        acting_user=w.users[Role.RESIDENT],
        category=Category.objects.get(code="consultation"),
        description="楼下独居的张奶奶腿脚不便，希望有人每周上门看看",
        unit=w.unit,
    )
    staff = w.users[Role.COMMUNITY_STAFF]
    item = services.item_from_request(
        acting_user=staff, request_id=sr.pk, service_class="nuan_min_qing", care="elderly_alone"
    )
    assert item.source_request_id == sr.pk and item.compound_id == w.compound.pk
    with pytest.raises(ApplicationError) as err:
        services.item_from_request(acting_user=staff, request_id=sr.pk, service_class="jie_min_xu")
    assert err.value.status == 409
    ramp = need(w, title="坡道损坏", care="", service_class="bian_min_ji")
    spawned = services.item_spawn_request(
        acting_user=staff, item_id=ramp.pk, category_code="public_repair"
    )
    ramp.refresh_from_db()
    assert ramp.spawned_request_id == spawned.pk and spawned.compound_id == w.compound.pk
    with pytest.raises(ApplicationError) as err:
        services.item_spawn_request(acting_user=staff, item_id=ramp.pk)
    assert err.value.status == 409
    with pytest.raises(ApplicationError) as err:
        services.item_spawn_request(acting_user=w.users[Role.UNIT_STAFF], item_id=item.pk)
    assert err.value.status == 403


def test_named_only_for_roles_that_see_tags(w) -> None:  # type: ignore[no-untyped-def]
    """The care recipient's name: community staff read it (logged); the unit that
    claims, the grid worker and the street officer read "一位独居老人"."""
    from redprop.people.services import person_create

    old = person_create(name="张桂芳", tags=["elderly_alone"], place=w.building, acting_user=None)
    item = need(w, beneficiary_id=None)
    item.beneficiary = old
    item.save(update_fields=["beneficiary"])
    logged = PiiAccessLog.objects.count()
    text, named = services.beneficiary_label(item=item, user=w.users[Role.UNIT_STAFF])
    assert (text, named) == ("一位独居老人", False)
    text, named = services.beneficiary_label(item=item, user=w.users[Role.GRID_BUTLER])
    assert not named and "张" not in text
    assert PiiAccessLog.objects.count() == logged
    text, named = services.beneficiary_label(item=item, user=w.users[Role.COMMUNITY_STAFF])
    assert named and text.startswith("张桂芳")
    row = PiiAccessLog.objects.order_by("-id").first()
    assert row.person_id == old.pk and row.actor_id == w.users[Role.COMMUNITY_STAFF].pk
    assert row.context == f"service_item:{item.pk}"


def test_scope_of_the_list(w) -> None:  # type: ignore[no-untyped-def]
    item = need(w)
    for role in (
        Role.RESIDENT,
        Role.GRID_BUTLER,
        Role.MAINTENANCE_WORKER,
        Role.UNIT_STAFF,
        Role.COMPANY_STAFF,
        Role.COMMUNITY_STAFF,
        Role.STREET_OFFICER,
        Role.HOUSING_BUREAU,
        Role.SYSADMIN,
    ):
        assert list(selectors.item_list(user=w.users[role])) == [item], role
    assert not selectors.item_list(user=w.users[Role.HOTLINE]).exists()
    assert not selectors.item_list(user=w.users["street_b"]).exists()


def test_the_table_covers_the_state_map() -> None:
    """Every edge of TRANSITIONS has an action and no action leads elsewhere."""
    from redprop.service_lists.workflow import WORKFLOW

    assert WORKFLOW.check() == []
