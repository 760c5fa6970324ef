"""Two Open311 client libraries from the package index, written by others, drive the
endpoints over real HTTP (Django's live server): civicbot's ``Open311Client`` lists
services, reads a definition, files and follows a request to closed in JSON;
georeport reads the same in XML and JSON."""

from __future__ import annotations

import pytest
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from redprop.requests import services as request_services
from redprop.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def base(live_server):
    return f"{live_server.url}/open311/v2"


@pytest.fixture
def civic(base):
    endpoint = Endpoint(id="redprop", name="RedProp", base_url=base, write=True)
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport=transport)


def test_civicbot_lists_defines_files_and_follows_to_closed(o311, civic):
    services = civic.list_services()
    assert "seepage" in {s["service_code"] for s in services}
    definition = civic.get_service_definition("seepage")
    assert [a["code"] for a in definition["attributes"]] == ["floor", "where"]
    # The library validates the form against our definition before sending it.
    sent = civic.create_request(
        "seepage",
        dry_run=False,
        confirm="SEND",
        api_key=o311.raw_key,
        validate_remote=True,
        lat=30.6406,
        lng=114.1797,
        description="顶楼屋顶渗水",
        attributes={"floor": "top", "where": ["roof"]},
        phone="13812341234",
    )
    [created] = sent.response
    rid = created["service_request_id"]
    assert civic.get_token(created["token"])[0]["service_request_id"] == rid
    assert civic.get_request(rid)["status"] == "open"
    sr = ServiceRequest.objects.get(pk=rid)
    worker = o311.users["maintenance_worker"]
    request_services.request_accept(request=sr, acting_user=worker)
    request_services.request_resolve(request=sr, note="已修好", acting_user=worker)
    followed = civic.get_request(rid)
    assert followed["status"] == "closed"
    assert [r["service_request_id"] for r in civic.list_requests(status="closed")] == [rid]


def test_civicbot_refuses_locally_what_the_definition_requires(o311, civic):
    from civicbot.open311 import ValidationError

    with pytest.raises(ValidationError):
        civic.create_request(
            "seepage", validate_remote=True, lat=30.6406, lng=114.1797, description="漏水"
        )


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_georeport_reads_services_definitions_and_requests(o311, base, fmt, client):
    client.post(
        "/open311/v2/requests.json",
        {
            "api_key": o311.raw_key,
            "service_code": "seepage",
            "address_string": "幸福小区1栋",
            "description": "外墙渗水",
            "attribute[floor]": "1",
        },
    )
    geo = GeoReport(base, output_format=fmt)
    services = geo.get_service_list()
    codes = {s["service_code"] for s in services}
    assert {"seepage", "pipe_dredging"} <= codes
    definition = geo.get_service_definition("seepage")
    attrs = definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"]
    assert [a["code"] for a in attrs] == ["floor", "where"]
    requests = geo.get_service_requests()
    if fmt == "xml" and isinstance(requests, dict):
        requests = [requests]
    [req] = requests
    assert req["service_code"] == "seepage"
    assert req["address"] == "幸福小区"
    one = geo.get_service_request(req["service_request_id"])
    one = one[0] if isinstance(one, list) else one
    assert one["status"] == "open"
