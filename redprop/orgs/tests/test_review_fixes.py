"""Regressions found in review of the foundation (orgs)."""

import pytest

pytestmark = pytest.mark.django_db


def test_admin_cross_appointment_list_does_not_crash(world):
    """A model without scope columns (CrossAppointment) in the scoped admin."""
    resp = world.client("community_staff").get("/admin/orgs/crossappointment/")
    assert resp.status_code in (200, 302, 403)
