"""A campaign from launch to every item verified; its refusals; re-found hazards;
items raised from and spawning service requests; the workflow table."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from redprop.accounts.choices import Role
from redprop.campaigns import selectors, services
from redprop.campaigns.choices import ItemStatus
from redprop.campaigns.models import Campaign, CampaignItem, CampaignItemEvent
from redprop.core.errors import ApplicationError

pytestmark = pytest.mark.django_db


def jpeg() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(buf, "JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def launch(w: Any, **kw: Any) -> Campaign:
    today = timezone.localdate()
    args = {
        "acting_user": w.users[Role.COMMUNITY_STAFF],
        "title": "消防安全专项整治",
        "topic": "fire_safety",
        "area_level": "community",
        "area_id": w.community.pk,
        "starts_on": today - dt.timedelta(days=1),
        "ends_on": today + dt.timedelta(days=30),
        "checklist": ["消防通道是否畅通", "楼道是否飞线充电"],
        "units": [(w.company, "property"), (w.water, "other")],
    }
    args.update(kw)
    return services.campaign_create(**args)


def found(w: Any, c: Campaign, **kw: Any) -> CampaignItem:
    args = {
        "campaign": c,
        "acting_user": w.users[Role.GRID_BUTLER],
        "hazard": "flying_wire",
        "severity": "high",
        "building_id": w.building.pk,
        "description": "3单元飞线充电",
        "photos": [jpeg()],
    }
    args.update(kw)
    return services.item_report(**args)


def test_item_runs_found_assigned_fixed_rejected_fixed_verified(world: Any) -> None:
    w = world
    c = launch(w)
    item = found(w, c)
    assert item.status == ItemStatus.FOUND and item.grid_id == w.grid.pk
    staff, company = w.users[Role.COMMUNITY_STAFF], w.users[Role.COMPANY_STAFF]
    item = services.item_assign(item=item, acting_user=staff, org=w.company, assignee=company)
    item = services.item_fix(item=item, acting_user=company, photo=jpeg(), note="已拆除")
    item = services.item_reject(item=item, acting_user=staff, reason="仍有插线板")
    assert item.status == ItemStatus.ASSIGNED and item.rejections == 1
    item = services.item_fix(item=item, acting_user=company, photo=jpeg())
    # The fixer cannot verify their own fix.
    sysadmin = w.users[Role.SYSADMIN]
    with pytest.raises(ApplicationError) as exc:
        services.item_verify(item=item, acting_user=company)
    assert exc.value.status == 403
    item = services.item_verify(item=item, acting_user=sysadmin)
    assert item.status == ItemStatus.VERIFIED and item.verified_by == sysadmin
    kinds = list(item.events.values_list("kind", flat=True))
    assert kinds == ["found", "assigned", "fixed", "rejected", "fixed", "verified"]
    assert item.photos.filter(kind="after").count() == 2
    p = selectors.progress(campaign=c)
    assert p["total"]["verified"] == 1 and p["total"]["rate"] == 100.0
    assert p["by_compound"][0]["name"] == w.compound.name
    assert p["by_unit"][0]["id"] == w.company.pk


def test_verify_by_the_fixer_is_refused_even_as_an_inspector(world: Any) -> None:
    w = world
    c = launch(w)
    staff = w.users[Role.COMMUNITY_STAFF]
    item = services.item_assign(item=found(w, c), acting_user=staff, org=w.company)
    item = services.item_fix(item=item, acting_user=w.users[Role.SYSADMIN], photo=jpeg())
    with pytest.raises(ApplicationError) as exc:
        services.item_verify(item=item, acting_user=w.users[Role.SYSADMIN])
    assert exc.value.code == "campaign_item_verified_by_fixer"
    assert CampaignItem.objects.get(pk=item.pk).status == ItemStatus.FIXED


def _counts() -> tuple[int, int]:
    return CampaignItem.objects.count(), CampaignItemEvent.objects.count()


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"building_id": "b"}, "campaign_item_outside_area", "building_id"),  # community B
        ({"at": "before"}, "campaign_item_outside_period", "found_at"),
        ({"at": "after"}, "campaign_item_outside_period", "found_at"),
        ({"photos": []}, "campaign_item_photo_required", "photos"),
        ({"hazard": "ufo"}, "validation_error", "hazard"),
        ({"building_id": None}, "campaign_item_bad_place", "building_id"),
    ],
)
def test_bad_items_are_refused_and_nothing_written(
    world: Any, changes: dict[str, Any], code: str, field: str
) -> None:
    w = world
    c = launch(w)
    if changes.get("building_id") == "b":
        changes["building_id"] = w.building_b.pk
        changes["acting_user"] = w.users[Role.SYSADMIN]
    if changes.get("at") == "before":
        changes["at"] = timezone.now() - dt.timedelta(days=5)
    if changes.get("at") == "after":
        changes["at"] = timezone.now() + dt.timedelta(days=40)
    before = _counts()
    with pytest.raises(ApplicationError) as exc:
        found(w, c, **changes)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert 400 <= exc.value.status < 500
    assert _counts() == before


def test_closed_campaign_takes_no_items_and_outsiders_cannot_report(world: Any) -> None:
    w = world
    c = launch(w)
    with pytest.raises(ApplicationError) as exc:
        found(w, c, acting_user=w.users["street_b"])
    assert exc.value.status == 403
    services.campaign_close(campaign=c, acting_user=w.users[Role.COMMUNITY_STAFF])
    with pytest.raises(ApplicationError) as exc:
        found(w, c)
    assert exc.value.code == "campaign_item_outside_period"


def test_campaign_refusals(world: Any) -> None:
    w = world
    with pytest.raises(ApplicationError) as exc:
        launch(w, area_id=w.community_b.pk)
    assert (exc.value.code, exc.value.status) == ("campaign_area_out_of_scope", 403)
    with pytest.raises(ApplicationError) as exc:
        launch(w, ends_on=timezone.localdate() - dt.timedelta(days=3))
    assert exc.value.code == "campaign_bad_period"
    with pytest.raises(ApplicationError) as exc:
        launch(w, title=" ")
    assert exc.value.code == "campaign_empty"
    assert Campaign.objects.count() == 0


def test_assign_only_to_a_participating_unit(world: Any) -> None:
    w = world
    c = launch(w, units=[(w.company, "property")])
    item = found(w, c)
    with pytest.raises(ApplicationError) as exc:
        services.item_assign(item=item, acting_user=w.users[Role.COMMUNITY_STAFF], org=w.company_b)
    assert exc.value.code == "campaign_item_unit_not_participating"
    assert CampaignItem.objects.get(pk=item.pk).status == ItemStatus.FOUND


def test_a_hazard_found_again_at_the_same_place_is_flagged(world: Any) -> None:
    w = world
    c = launch(w)
    first = found(w, c)
    other_place = found(
        w, c, building_id=w.building_2.pk, acting_user=w.users[Role.COMMUNITY_STAFF]
    )
    other_kind = found(w, c, hazard="corridor_clutter")
    again = found(w, c)
    assert first.refound_of is None and other_place.refound_of is None
    assert other_kind.refound_of is None
    assert again.refound_of_id == first.pk
    assert selectors.progress(campaign=c)["total"]["refound"] == 1


def test_item_from_a_request_and_spawning_one(world: Any) -> None:
    from redprop.requests.models import Category
    from redprop.requests.services import request_file

    w = world
    c = launch(w)
    request = request_file(
        acting_user=w.users[Role.RESIDENT],
        category=Category.objects.get(code="fire_lane"),
        description="小区东门消防通道被私家车堵住",
        unit=w.unit,
    )
    staff = w.users[Role.COMMUNITY_STAFF]
    item = services.item_from_request(
        request=request, campaign=c, acting_user=staff, hazard="blocked_fire_lane", severity="high"
    )
    assert item.source_request == request and item.building_id == w.building.pk
    with pytest.raises(ApplicationError) as exc:
        services.item_from_request(
            request=request,
            campaign=c,
            acting_user=staff,
            hazard="blocked_fire_lane",
            severity="high",
        )
    assert exc.value.status == 409
    spawned = services.item_spawn_request(item=found(w, c), acting_user=staff)
    assert spawned.category.code == "fire_lane" and spawned.building_id == w.building.pk
    assert CampaignItem.objects.filter(spawned_request=spawned).count() == 1


def test_workflow_table_matches_transitions() -> None:
    from redprop.campaigns.workflow import WORKFLOW

    assert WORKFLOW.check() == []


def test_permission_walks_the_item_table(world: Any) -> None:
    """Every action × state × role of scope A and B: allowed exactly per the table."""
    from redprop.campaigns.workflow import WORKFLOW
    from redprop.conftest import build_siblings

    w = build_siblings(world)
    c = launch(w)
    item = found(w, c)
    item.assigned_org = w.company
    inspectors = {Role.COMMUNITY_STAFF, Role.STREET_OFFICER, Role.GRID_BUTLER, Role.SYSADMIN}
    fixers = {Role.COMPANY_STAFF, Role.SYSADMIN}
    principals = [(r, u, True) for r, u in w.users.items()] + [
        (r, u, False) for r, u in w.siblings.items()
    ]
    for action in WORKFLOW.actions.values():
        for state in ItemStatus.values:
            item.status = state
            for role, user, in_scope in principals:
                rels = set()
                if in_scope and role in inspectors:
                    rels.add("inspector")
                if in_scope and role in fixers:
                    rels.add("fixer")
                want = state in action.sources and bool(rels & set(action.who))
                assert WORKFLOW.allowed(action, user, item) == want, (action.name, state, role)


def test_dashboard_progress_by_community_and_street(world: Any) -> None:
    w = world
    c = launch(w)
    found(w, c)
    scope = w.users[Role.STREET_OFFICER].scope_set(Role.STREET_OFFICER)
    rows = selectors.progress_by(scope=scope, level="community")
    assert [(r["name"], r["total"], r["verified"]) for r in rows] == [(w.community.name, 1, 0)]
    assert selectors.progress_by(scope=scope, level="street")[0]["total"] == 1
