"""Locations (points in WGS-84 and GCJ-02, address strings, unit ids), keys issued by
the command, and random input that must never answer 5xx."""

from __future__ import annotations

import io

import prcoords
import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redprop.open311 import locations
from redprop.open311.models import ClientKey
from redprop.open311.tests.conftest import HOME
from redprop.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db

URL = "/open311/v2/requests.json"


def post(client, o311, **fields):
    body = {
        "api_key": o311.raw_key,
        "service_code": "pipe_dredging",
        "description": "下水道堵了",
        **fields,
    }
    return client.post(URL, body)


def test_a_point_maps_to_the_nearest_compound_within_the_radius(o311):
    lat, lng = float(HOME[0]), float(HOME[1])
    near = locations.nearest_compound(lat=lat + 0.002, lng=lng, region=o311.city)  # ~220 m
    assert near is not None and near.compound == o311.compound
    assert 200 < near.distance_m < 240
    assert locations.nearest_compound(lat=lat + 0.006, lng=lng, region=o311.city) is None  # ~670 m


def test_gcj02_points_are_converted(o311, client):
    """A point read off a Chinese map app is GCJ-02, offset by some 600 m here: sent as
    WGS-84 it matches nothing, declared as GCJ-02 it is the compound."""
    gcj = prcoords.wgs_gcj((float(HOME[0]), float(HOME[1])))
    as_wgs = post(client, o311, lat=f"{gcj.lat:.6f}", long=f"{gcj.lon:.6f}")
    assert as_wgs.status_code == 400 and as_wgs.json()[0]["reason"] == "location_unknown"
    declared = post(client, o311, lat=f"{gcj.lat:.6f}", long=f"{gcj.lon:.6f}", coord_system="gcj02")
    assert declared.status_code == 201
    rid = declared.json()[0]["service_request_id"]
    # pipe_dredging has no auto-dispatch rule here: no deadline yet, and the notice says so.
    assert declared.json()[0]["service_notice"] == "已受理，社区派单后按“5341”时限处理"
    assert ServiceRequest.objects.get(pk=rid).compound_id == o311.compound.pk


def test_an_address_string_names_compound_building_and_unit(o311, client):
    r = post(client, o311, address_string="幸福小区 1栋1单元101 厨房")
    sr = ServiceRequest.objects.get(pk=r.json()[0]["service_request_id"])
    assert (sr.compound_id, sr.building_id, sr.unit_id) == (
        o311.compound.pk,
        o311.building.pk,
        o311.unit.pk,
    )
    r = post(client, o311, address_string="武汉市幸福小区2栋门口")
    sr = ServiceRequest.objects.get(pk=r.json()[0]["service_request_id"])
    assert sr.building_id == o311.building_2.pk and sr.unit_id is None
    r = post(client, o311, address_string="不存在的地方")
    assert r.status_code == 400 and r.json()[0]["reason"] == "location_unknown"


def test_an_address_id_names_one_of_our_units(o311, client):
    r = post(client, o311, address_id=str(o311.unit.pk))
    assert ServiceRequest.objects.get(pk=r.json()[0]["service_request_id"]).unit_id == o311.unit.pk
    r = post(client, o311, address_id=str(o311.unit_b.pk))  # the sibling street's unit
    assert r.status_code == 403 and r.json()[0]["reason"] == "location_out_of_scope"


def test_the_command_issues_lists_and_revokes(world):
    out = io.StringIO()
    call_command(
        "open311_key", "issue", "--name", "12345热线", "--region", str(world.street.pk), stdout=out
    )
    text = out.getvalue()
    raw = next(line.split()[1] for line in text.splitlines() if line.startswith("key"))
    key = ClientKey.objects.get()
    assert raw.startswith(f"o311_{key.prefix}_")
    assert raw not in {key.key_hash, key.prefix}  # only the hash is stored
    out = io.StringIO()
    call_command("open311_key", "list", stdout=out)
    assert key.prefix in out.getvalue() and "active" in out.getvalue()
    call_command("open311_key", "revoke", "--prefix", key.prefix, stdout=io.StringIO())
    key.refresh_from_db()
    assert key.revoked_at is not None and not key.user.is_active


text = st.text(max_size=40)
FIELDS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "phone",
    "email",
    "media_url",
    "attribute[floor]",
    "attribute[x]",
    "coord_system",
    "page",
]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    data=st.dictionaries(st.sampled_from(FIELDS), text, max_size=6),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_random_forms_never_answer_5xx(o311, client, data, fmt):
    body = {"api_key": o311.raw_key, **data}
    r = client.post(f"/open311/v2/requests.{fmt}", body)
    assert r.status_code < 500


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "service_request_id",
                "service_code",
                "start_date",
                "end_date",
                "status",
                "page",
                "page_size",
                "jurisdiction_id",
            ]
        ),
        text,
        max_size=4,
    ),
    path=st.sampled_from(
        ["requests", "services", "discovery", "requests/1", "services/seepage", "tokens/x"]
    ),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_random_queries_never_answer_5xx(o311, client, params, path, fmt):
    r = client.get(f"/open311/v2/{path}.{fmt}", params)
    assert r.status_code < 500
