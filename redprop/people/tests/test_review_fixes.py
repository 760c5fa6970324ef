"""Regressions found in review of the foundation (people)."""

import pytest

from redprop.people.services import person_create
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db


def test_admin_person_tag_page_does_not_crash(world):
    """A model without scope columns (PersonTag) in the scoped admin."""
    resp = world.client("community_staff").get("/admin/people/persontag/1/change/")
    assert resp.status_code in (200, 302, 403)


def test_admin_masks_minor_names(world):
    child = person_create(name="王小明", id_number="450105201506010022", acting_user=None)
    territory.occupancy_add(unit=world.unit, person=child, relation="child", acting_user=None)
    body = (
        world.client("community_staff")
        .get(f"/admin/people/person/{child.pk}/change/")
        .content.decode()
    )
    assert "王小明" not in body
    assert "王**" in body


def test_resident_reads_own_person_record(world):
    resp = world.client("resident").get(f"/api/v1/people/{world.resident.pk}")
    assert resp.status_code == 200
    assert resp.json()["mobile"] == "138****1234"
    assert world.client("resident").get(f"/api/v1/people/{world.resident_b.pk}").status_code == 404


def test_access_log_cannot_be_deleted(world):
    from redprop.people.models import PiiAccessLog
    from redprop.people.services import person_reveal

    person_reveal(
        person=world.resident,
        field="mobile",
        reason="测试",
        acting_user=world.users["community_staff"],
    )
    with pytest.raises(RuntimeError):
        PiiAccessLog.objects.get().delete()
