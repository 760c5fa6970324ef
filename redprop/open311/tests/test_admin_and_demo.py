"""Keys in the admin (shown once, hashed, revoked by an action) and the demo's key and
points."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from redprop.core.models import AuditEvent, AuditLog
from redprop.demo.logins import print_open311_key
from redprop.demo.seed.geo import COMMUNITY_POINTS, compound_point
from redprop.demo.seed.open311 import DEMO_KEY, seed_open311
from redprop.open311.locations import haversine_m
from redprop.open311.models import ClientKey

pytestmark = pytest.mark.django_db


def test_the_admin_issues_a_key_once_and_revokes_it(world):
    admin = world.client("sysadmin")
    r = admin.post(
        "/admin/open311/clientkey/add/",
        {"name": "12345热线", "region": world.street.pk, "channel": "hotline", "per_minute": 60},
        follow=True,
    )
    assert r.status_code == 200
    key = ClientKey.objects.get()
    raw = r.context["raw"]
    assert raw.startswith(f"o311_{key.prefix}_") and raw not in key.key_hash
    assert raw in r.content.decode()
    assert not list(r.context.get("messages") or [])  # never in a message (session/cookie)
    assert raw not in admin.get("/admin/open311/clientkey/").content.decode()
    assert AuditLog.objects.filter(event_type=AuditEvent.OPEN311_KEY_ISSUED).count() == 1
    r = admin.post(
        "/admin/open311/clientkey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditLog.objects.filter(event_type=AuditEvent.OPEN311_KEY_REVOKED).count() == 1


@pytest.mark.parametrize("role", ["community_staff", "street_officer", "housing_bureau"])
def test_only_system_administrators_see_keys(world, role):
    r = world.client(role).get("/admin/open311/clientkey/")
    assert r.status_code in (302, 403)


def test_the_demo_key_is_seeded_and_printed(world):
    ctx = SimpleNamespace(focus={"street": world.street}, acting_user=None, log=lambda m: None)
    seed_open311(ctx)
    out = io.StringIO()
    print_open311_key(out)
    assert DEMO_KEY in out.getvalue()
    key = ClientKey.objects.get()
    assert key.region == world.street and DEMO_KEY not in key.key_hash


def test_demo_points_ring_around_their_community():
    for name, (lat, lng) in COMMUNITY_POINTS.items():
        points = [compound_point(name, i) for i in range(19)]
        assert float(points[0][0]) == pytest.approx(lat, abs=1e-6)
        assert float(points[0][1]) == pytest.approx(lng, abs=1e-6)
        distances = [haversine_m(lat, lng, float(p[0]), float(p[1])) for p in points]
        assert distances[0] < 1
        assert all(250 < d < 270 for d in distances[1:7])  # the first ring
        assert all(510 < d < 530 for d in distances[7:19])  # the second
        pairs = [(float(a[0]), float(a[1])) for a in points]
        assert len(set(pairs)) == 19
    assert compound_point("不存在的社区", 0) is None
