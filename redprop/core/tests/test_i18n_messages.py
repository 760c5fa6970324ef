"""Error messages follow the user's language; the machine-readable code never changes.

How the language of a request is chosen (LocaleMiddleware, for pages and the API
alike): the ``django_language`` cookie set by the language switcher, else the
``Accept-Language`` header, else Simplified Chinese. A language we have no
catalogue for falls back to Chinese.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from redprop.requests import services
from redprop.requests.tests.helpers import file_request
from redprop.web.tests.helpers import dispatched, field_error, jpeg

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _api(world, role, method, path, body=None, **headers):
    client = world.client(role)
    call = getattr(client, method)
    if method == "get":
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", body or {}, content_type="application/json", **headers)


# Each case: who calls, how, and the (status, code, Chinese, English) it must get.
CASES = {
    "empty description (service, 400)": (
        "resident",
        "post",
        lambda w: (
            "/requests",
            {"category": "pipe_dredging", "description": " ", "unit_id": w.unit.pk},
        ),
        400,
        "description_required",
        "请描述遇到的问题",
        "Please describe the problem",
    ),
    "unknown category (api, 400)": (
        "resident",
        "post",
        lambda w: (
            "/requests",
            {"category": "no-such", "description": "漏水", "unit_id": w.unit.pk},
        ),
        400,
        "unknown_category",
        "未知的诉求分类",
        "Unknown request category",
    ),
    "request out of scope (404)": (
        "resident",
        "get",
        lambda w: ("/requests/999999", None),
        404,
        "not_found",
        "诉求不存在或不在您的管辖范围内",
        "The request does not exist or is outside your jurisdiction",
    ),
    "a resident dispatching (_require, 403)": (
        "resident",
        "post",
        lambda w: (f"/requests/{file_request(w)['id']}/dispatch", {"org_id": w.company.pk}),
        403,
        "permission_denied",
        "只有社区或街道工作人员可以派单",
        "Only community or street office staff can dispatch",
    ),
    "return without a reason (_reason, 400)": (
        "company_staff",
        "post",
        lambda w: (f"/requests/{dispatched(w).pk}/return", {"reason": ""}),
        400,
        "reason_required",
        "请填写退单原因",
        "Please fill in: Reason for returning",
    ),
    "resolving before accepting (transition, 409)": (
        "company_staff",
        "post",
        lambda w: (f"/requests/{dispatched(w).pk}/resolve", {"note": "已疏通"}),
        409,
        "invalid_transition",
        "诉求当前状态为“已派单”，不能办结",
        "The request is “Dispatched”: you cannot resolve it now",
    ),
    "unknown status filter (placeholder, 400)": (
        "community_staff",
        "get",
        lambda w: ("/requests?status=bogus", None),
        400,
        "validation_error",
        "未知的状态：bogus",
        "Unknown status: bogus",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("language", ["en", None, "fr"])
def test_api_error_message_follows_accept_language(world, case, language):
    role, method, build, status, code, chinese, english = CASES[case]
    path, body = build(world)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    resp = _api(world, role, method, path, body, **headers)
    assert resp.status_code == status, resp.content
    data = resp.json()
    assert data["code"] == code
    assert data["message"] == (english if language == "en" else chinese)
    assert resp["Content-Language"] == ("en" if language == "en" else "zh-hans")


def test_the_switcher_cookie_decides_for_the_api_too(world):
    """A browser that chose English with the switcher gets English API errors even
    when its Accept-Language says Chinese."""
    client = world.client("resident")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    resp = client.get("/api/v1/requests/999999", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert resp.status_code == 404
    assert resp.json() == {
        "code": "not_found",
        "message": "The request does not exist or is outside your jurisdiction",
        "field": None,
    }


def test_framework_errors_are_translated(world, client):
    """Errors raised outside our services (bad JSON, no login) follow the language too."""
    resp = client.get("/api/v1/requests", **EN)
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"
    assert resp.json()["message"] == "Please log in or provide a valid token"

    resp = world.client("resident").post(
        "/api/v1/requests", "{not json", content_type="application/json", **EN
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == "validation_error"
    assert resp.json()["message"] in {
        "The request body is not valid JSON",
        "The request body is malformed (not valid JSON)",
    }
    zh = world.client("resident").post(
        "/api/v1/requests", "{not json", content_type="application/json"
    )
    assert zh.json()["message"] in {"请求体不是有效的 JSON", "请求体格式不正确（不是有效的 JSON）"}


def test_nothing_is_written_whatever_the_language(world):
    from redprop.requests.models import ServiceRequest

    before = ServiceRequest.objects.count()
    resp = _api(
        world,
        "resident",
        "post",
        "/requests",
        {"category": "pipe_dredging", "description": "", "unit_id": world.unit.pk},
        **EN,
    )
    assert resp.status_code == 400
    assert ServiceRequest.objects.count() == before


# --- the pages -------------------------------------------------------------------------


def _post_file(world, **extra):
    payload = {"category": "pipe_dredging", "place": f"u:{world.unit.pk}", "description": "   "}
    payload.update(extra.pop("data", {}))
    return world.client("resident").post("/file/", payload, **extra)


def test_web_form_error_from_the_service_in_english(world):
    resp = _post_file(world, **EN)
    assert resp.status_code == 400
    assert field_error(resp.content, "id_description") == "Please describe the problem"
    assert '<html lang="en">' in resp.content.decode()


def test_web_form_error_in_chinese_by_default(world):
    resp = _post_file(world)
    assert resp.status_code == 400
    assert field_error(resp.content, "id_description") == "请描述遇到的问题"


def test_web_photo_error_in_english(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    resp = _post_file(world, data={"description": "漏水", "photos": [jpeg(), fake]}, **EN)
    assert resp.status_code == 400
    assert field_error(resp.content, "id_photos") == "The uploaded file is not a valid image"


def test_system_notes_on_the_timeline_follow_the_reader(world):
    """A note the system wrote (stored in Chinese) is shown in the reader's language."""
    r = dispatched(world)
    services.request_cancel(
        request=r, acting_user=world.users["community_staff"], reason="居民已自行处理"
    )
    from redprop.requests.choices import EventKind
    from redprop.requests.models import RequestEvent

    # An automatic escalation note as the SLA clock writes it.
    RequestEvent.objects.create(
        request=r,
        kind=EventKind.AUTO_ESCALATED,
        at=r.created_at,
        to_status=r.status,
        note="超时未办结，自动上报社区",
        data={"level": 2},
    )
    client = world.client("community_staff")
    en = client.get(f"/r/{r.pk}/", **EN).content.decode()
    assert "Not resolved in time; escalated automatically to Community" in en
    assert "居民已自行处理" in en  # what a person wrote stays as written
    zh = client.get(f"/r/{r.pk}/").content.decode()
    assert "超时未办结，自动上报社区" in zh
