"""Every GeoReport v2 endpoint in both formats, and every error. XML is parsed, never
compared as a string."""

from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from redprop.core.models import AuditEvent, AuditLog
from redprop.open311.selectors import REQUEST_FIELDS
from redprop.requests import services as request_services
from redprop.requests.models import ServiceRequest

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


def xml(response):
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer, in a test


def form(o311, **extra):
    body = {
        "api_key": o311.raw_key,
        "service_code": "seepage",
        "lat": "30.640600",
        "long": "114.179700",
        "description": "顶楼屋顶渗水，下雨天滴到卧室",
        "attribute[floor]": "top",
        "first_name": "建国",
        "last_name": "王",
        "phone": "13812341234",
        "email": "wang@example.cn",
        "device_id": "dev-1",
        "account_id": "acct-9",
    }
    body.update(extra)
    return {k: v for k, v in body.items() if v is not None}


def create(client, o311, fmt="json", headers=None, **extra):
    return client.post(f"{BASE}/requests.{fmt}", form(o311, **extra), **(headers or {}))


def test_discovery_in_both_formats(client):
    d = client.get(f"{BASE}/discovery.json").json()
    assert d["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert d["endpoints"][0]["url"].endswith("/open311/v2/")
    assert set(d["endpoints"][0]["formats"]) == {"application/json", "text/xml"}
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json",
        "text/xml",
    ]


def test_service_list_in_both_formats(o311, client):
    services = client.get(f"{BASE}/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code["seepage"]) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert by_code["seepage"]["metadata"] is True
    assert by_code["pipe_dredging"]["metadata"] is False
    assert by_code["seepage"]["type"] == "realtime"
    assert "repair" not in by_code  # a group, not a service
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    codes = [s.find("service_code").text for s in root.findall("service")]
    assert codes == [s["service_code"] for s in services]
    seepage = next(s for s in root.findall("service") if s.find("service_code").text == "seepage")
    assert seepage.find("metadata").text == "true"


def test_service_definition_in_both_formats(o311, client):
    d = client.get(f"{BASE}/services/seepage.json").json()
    assert d["service_code"] == "seepage"
    floor = d["attributes"][0]
    assert floor == {
        "variable": True,
        "code": "floor",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 1,
        "description": "哪一层？",
        "values": [{"key": "1", "name": "一楼"}, {"key": "top", "name": "顶楼"}],
    }
    root = xml(client.get(f"{BASE}/services/seepage.xml"))
    assert root.tag == "service_definition"
    attrs = root.findall("attributes/attribute")
    assert [a.find("code").text for a in attrs] == ["floor", "where"]
    assert [v.find("key").text for v in attrs[0].findall("values/value")] == ["1", "top"]
    # A service without questions still answers, with an empty list.
    assert client.get(f"{BASE}/services/pipe_dredging.json").json()["attributes"] == []
    assert (
        xml(client.get(f"{BASE}/services/pipe_dredging.xml")).findall("attributes/attribute") == []
    )


def test_create_enters_the_normal_workflow_with_its_deadlines(o311, client):
    r = create(client, o311)
    assert r.status_code == 201, r.content
    [item] = r.json()
    sr = ServiceRequest.objects.get(pk=int(item["service_request_id"]))
    assert item["token"]
    assert item["service_notice"].startswith("已受理") and "前办结" in item["service_notice"]
    assert sr.channel == "hotline"
    assert sr.compound_id == o311.compound.pk
    assert sr.category.code == "seepage"
    assert sr.filed_by_id == o311.key.user_id
    assert sr.handling_org_id == o311.company.pk  # routed like any property matter
    assert sr.status == "dispatched" and sr.resolve_due_at is not None
    assert sr.reporter is not None and sr.reporter.name == "王建国"  # found by the phone
    assert sr.open311_submission.attributes == {"floor": "top"}
    assert AuditLog.objects.filter(
        event_type=AuditEvent.OPEN311_KEY_USED, extra__request=sr.pk
    ).exists()
    # The token leads to the id, in both formats.
    t = client.get(f"{BASE}/tokens/{item['token']}.json").json()
    assert t == [{"service_request_id": str(sr.pk), "token": item["token"]}]
    root = xml(client.get(f"{BASE}/tokens/{item['token']}.xml"))
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == str(sr.pk)


def test_create_in_xml(o311, client):
    root = xml(create(client, o311, fmt="xml", **{"attribute[where][]": ["roof", "wall"]}))
    assert root.tag == "service_requests"
    rid = int(root.find("request/service_request_id").text)
    assert ServiceRequest.objects.get(pk=rid).open311_submission.attributes == {
        "floor": "top",
        "where": ["roof", "wall"],
    }


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_field_in_every_request(o311, client, fmt):
    create(client, o311)
    r = client.get(f"{BASE}/requests.{fmt}")
    if fmt == "json":
        [item] = r.json()
        assert tuple(item) == REQUEST_FIELDS
        assert isinstance(item["service_request_id"], str)
    else:
        root = xml(r)
        assert root.tag == "service_requests"
        [req] = root.findall("request")
        item = {child.tag: child.text or "" for child in req}
        assert tuple(item) == REQUEST_FIELDS
    assert item["status"] == "open"
    assert item["address"] == "幸福小区"
    assert item["lat"] == "30.640500" and item["long"] == "114.179600"
    assert item["agency_responsible"] == "径河红色物业"
    # W3C with the offset, in Asia/Shanghai.
    assert item["requested_datetime"].endswith("+08:00")
    dt.datetime.fromisoformat(item["expected_datetime"])
    assert item["address_id"] == "" and item["zipcode"] == ""


def test_followed_to_closed_with_the_status_mapping(o311, client):
    rid = create(client, o311).json()[0]["service_request_id"]
    sr = ServiceRequest.objects.get(pk=rid)
    worker = o311.users["maintenance_worker"]
    request_services.request_accept(request=sr, acting_user=worker)
    assert client.get(f"{BASE}/requests/{rid}.json").json()[0]["status"] == "open"
    request_services.request_resolve(request=sr, note="已修好", acting_user=worker)
    [item] = client.get(f"{BASE}/requests/{rid}.json").json()
    assert item["status"] == "closed"
    assert item["status_notes"] == "已办结"
    assert item["expected_datetime"] == ""
    root = xml(client.get(f"{BASE}/requests/{rid}.xml"))
    assert root.find("request/status").text == "closed"
    # Filters: status, service_code, ids.
    assert [
        i["service_request_id"] for i in client.get(f"{BASE}/requests.json?status=closed").json()
    ] == [rid]
    assert client.get(f"{BASE}/requests.json?status=open").json() == []
    assert client.get(f"{BASE}/requests.json?service_code=pipe_dredging").json() == []
    assert len(client.get(f"{BASE}/requests.json?service_request_id={rid},999999").json()) == 1


def test_dates_and_paging(o311, client):
    ids = [
        create(client, o311, description=f"渗水第{i}处").json()[0]["service_request_id"]
        for i in range(3)
    ]
    page1 = client.get(f"{BASE}/requests.json?page_size=2").json()
    page2 = client.get(f"{BASE}/requests.json?page_size=2&page=2").json()
    assert [i["service_request_id"] for i in page1 + page2] == ids[::-1]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"{BASE}/requests.json?start_date={future}").json() == []
    old = ServiceRequest.objects.get(pk=ids[0])
    ServiceRequest.objects.filter(pk=old.pk).update(
        created_at=old.created_at - dt.timedelta(days=120)
    )
    # The default window is the last 90 days; asking by id or by dates still finds it.
    assert ids[0] not in [
        i["service_request_id"] for i in client.get(f"{BASE}/requests.json").json()
    ]
    assert client.get(f"{BASE}/requests/{ids[0]}.json").status_code == 200
    since = (old.created_at - dt.timedelta(days=121)).isoformat()
    found = client.get(f"{BASE}/requests.json", {"start_date": since}).json()
    assert ids[0] in [i["service_request_id"] for i in found]


def test_idempotency_key_replays_and_refuses_another_body(o311, client):
    h = {"HTTP_IDEMPOTENCY_KEY": "call-20261206-001"}
    first = create(client, o311, headers=h)
    again = create(client, o311, headers=h)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    other = create(client, o311, headers=h, description="另一件事")
    assert other.status_code == 422
    assert other.json()[0]["reason"] == "idempotency_key_reused"
    assert ServiceRequest.objects.count() == 1


ERRORS = [
    # (form changes, status, reason, field)
    ({"api_key": None}, 403, "bad_api_key", "api_key"),
    ({"api_key": "o311_nope_nope"}, 403, "bad_api_key", "api_key"),
    ({"service_code": "no_such"}, 404, "unknown_service_code", "service_code"),
    ({"service_code": None}, 400, "missing_field", "service_code"),
    ({"attribute[floor]": None}, 400, "missing_attribute", "attribute[floor]"),
    ({"attribute[floor]": "9"}, 400, "invalid_attribute", "attribute[floor]"),
    ({"attribute[colour]": "red"}, 400, "invalid_attribute", "attribute[colour]"),
    ({"lat": None, "long": None}, 400, "location_required", "lat"),
    ({"long": None}, 400, "invalid_field", "lat"),
    ({"lat": "91"}, 400, "invalid_field", "lat"),
    ({"lat": "NaN"}, 400, "invalid_field", "lat"),
    ({"lat": "1e400"}, 400, "invalid_field", "lat"),
    ({"lat": "39.9", "long": "116.4"}, 400, "location_unknown", "lat"),  # Beijing: no compound
    ({"lat": "30.628000", "long": "114.195000"}, 403, "location_out_of_scope", "lat"),
    (
        {"lat": None, "long": None, "address_string": "桥西小区1栋"},
        403,
        "location_out_of_scope",
        "address_string",
    ),
    ({"lat": None, "long": None, "address_id": "99999999"}, 400, "location_unknown", "address_id"),
    ({"description": ""}, 400, "missing_field", "description"),
    ({"description": "渗" * 2001}, 400, "invalid_field", "description"),
    ({"phone": "12345"}, 400, "invalid_field", "phone"),
    ({"email": "not-an-email"}, 400, "invalid_field", "email"),
    ({"media_url": "javascript:alert(1)"}, 400, "invalid_field", "media_url"),
    ({"coord_system": "bd09"}, 400, "invalid_field", "coord_system"),
    ({"jurisdiction_id": "x"}, None, None, None),  # accepted: this deployment names none
]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("change", "status", "reason", "field"), ERRORS)
def test_create_errors_write_nothing(o311, client, fmt, change, status, reason, field):
    before = ServiceRequest.objects.count()
    r = create(client, o311, fmt=fmt, **change)
    if status is None:
        assert r.status_code == 201
        return
    assert r.status_code == status, r.content
    if fmt == "json":
        [err] = r.json()
    else:
        root = xml(r)
        assert root.tag == "errors"
        err = {c.tag: c.text or "" for c in root.find("error")}
        err["code"] = int(err["code"])
    assert err["code"] == status
    assert err["description"]
    assert err["reason"] == reason and err["field"] == field
    assert ServiceRequest.objects.count() == before


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        ("/requests/999999.json", 404, "unknown_service_request"),
        ("/requests/abc.json", 404, "unknown_service_request"),
        ("/requests/99999999999999999999999.json", 404, "unknown_service_request"),
        ("/services/no_such.json", 404, "unknown_service_code"),
        ("/tokens/nope.json", 404, "unknown_token"),
        ("/services.csv", 404, "unknown_format"),
        ("/requests.json?status=pending", 400, "invalid_field"),
        ("/requests.json?page_size=5000", 400, "invalid_field"),
        ("/requests.json?page=0", 400, "invalid_field"),
        ("/requests.json?service_request_id=1,x", 400, "invalid_field"),
        ("/requests.json?service_request_id=99999999999999999999", 400, "invalid_field"),
        ("/requests.json?start_date=yesterday", 400, "invalid_field"),
        ("/requests.json?api_key=wrong", 403, "bad_api_key"),
    ],
)
def test_read_errors(o311, client, url, status, reason):
    r = client.get(BASE + url)
    assert r.status_code == status
    assert r.json()[0]["reason"] == reason


def test_jurisdiction_is_checked_when_the_deployment_names_one(o311, client, settings):
    settings.OPEN311_JURISDICTION = "wuhan.redprop"
    assert client.get(f"{BASE}/services.json?jurisdiction_id=wuhan.redprop").status_code == 200
    r = client.get(f"{BASE}/services.json?jurisdiction_id=beijing")
    assert r.status_code == 404 and r.json()[0]["reason"] == "unknown_jurisdiction"


def test_a_revoked_or_expired_key_is_refused(o311, client):
    from django.utils import timezone

    from redprop.open311 import services

    services.key_revoke(key=o311.key, acting_user=o311.users["sysadmin"])
    assert create(client, o311).status_code == 403
    _key, raw = services.key_issue(
        name="过期", region=o311.street, acting_user=None, expires_at=timezone.now()
    )
    assert client.post(f"{BASE}/requests.json", form(o311, api_key=raw)).status_code == 403


def test_rate_limit_per_key(o311, client):
    from django.core.cache import cache

    cache.clear()
    o311.key.per_minute = 2
    o311.key.save(update_fields=["per_minute"])
    codes = [create(client, o311, description=f"第{i}次").status_code for i in range(3)]
    assert codes[:2] == [201, 201]
    assert codes[2] == 429


def test_public_reads_show_no_personal_data(o311, client):
    """The public view (ADR 0008) has no description; the client system that filed the
    request reads its own description, with phones and flat numbers masked."""
    create(client, o311, description="我家1栋1单元101，电话13812341234，请联系")
    public = client.get(f"{BASE}/requests.json")
    for private in (
        "13812341234",
        "王建国",
        "建国",
        "1单元101",
        "wang@example.cn",
        "acct-9",
        "dev-1",
    ):
        assert private not in public.content.decode()
    assert public.json()[0]["description"] == ""
    own = client.get(f"{BASE}/requests.json", {"api_key": o311.raw_key}).json()[0]
    assert own["description"] == "我家***，电话***，请联系"
    from redprop.open311 import services

    _, other = services.key_issue(name="另一系统", region=o311.street, acting_user=None)
    assert client.get(f"{BASE}/requests.json", {"api_key": other}).json()[0]["description"] == ""


def test_a_key_reads_only_its_region(o311, client):
    create(client, o311)
    from redprop.open311 import services

    _, raw_b = services.key_issue(name="江南", region=o311.street_b, acting_user=None)
    assert client.get(f"{BASE}/requests.json", {"api_key": raw_b}).json() == []
    assert len(client.get(f"{BASE}/requests.json", {"api_key": o311.raw_key}).json()) == 1
    assert len(Client().get(f"{BASE}/requests.json").json()) == 1  # public: everything
