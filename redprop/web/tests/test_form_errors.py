"""Bad input: the Chinese error appears next to its field, what the user typed stays,
nothing is written, and the status is a 4xx (never a 500)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from redprop.requests import services
from redprop.requests.models import RequestEvent, RequestPhoto, ServiceRequest
from redprop.web.tests.helpers import dispatched, field_error, file_via_service, jpeg

pytestmark = pytest.mark.django_db


def post_file(world, role="resident", **data):
    payload = {
        "category": "pipe_dredging",
        "description": "卫生间地漏返水，满屋臭味",
        "place": f"u:{world.unit.pk}",
    }
    payload.update(data)
    return world.client(role).post("/file/", {k: v for k, v in payload.items() if v is not None})


def test_missing_category_is_shown_at_the_picker_and_the_text_is_kept(world):
    resp = post_file(world, category=None)
    assert resp.status_code == 400
    assert field_error(resp.content, "id_category") == "请选择问题分类"
    body = resp.content.decode()
    assert "卫生间地漏返水，满屋臭味</textarea>" in body
    assert 'aria-invalid="true"' not in body.split("id_description")[1][:200]
    assert ServiceRequest.objects.count() == 0


def test_empty_description_error_comes_from_the_service_next_to_the_field(world):
    resp = post_file(world, description="   ", location_text="二楼")
    assert resp.status_code == 400
    assert field_error(resp.content, "id_description") == "请描述遇到的问题"
    body = resp.content.decode()
    assert 'id="cat-pipe_dredging" checked' in body  # the chosen category stays chosen
    assert 'value="二楼"' in body
    assert re.search(r'id="id_description"[^>]*aria-invalid="true"', body) or re.search(
        r'aria-invalid="true"[^>]*id="id_description"', body
    )
    assert ServiceRequest.objects.count() == 0


def test_a_file_that_is_not_an_image_is_refused_at_the_photo_field(world):
    fake = SimpleUploadedFile("a.jpg", b"not an image at all", content_type="image/jpeg")
    resp = post_file(world, photos=[jpeg(), fake])
    assert resp.status_code == 400
    assert field_error(resp.content, "id_photos") == "上传的文件不是有效的图片"
    assert "卫生间地漏返水，满屋臭味</textarea>" in resp.content.decode()
    assert "请重新选择照片" in resp.content.decode()
    assert ServiceRequest.objects.count() == 0
    assert RequestPhoto.objects.count() == 0


def test_too_many_photos(world):
    resp = post_file(world, photos=[jpeg(f"{i}.jpg", (40, 30)) for i in range(10)])
    assert resp.status_code == 400
    assert field_error(resp.content, "id_photos") == "最多上传 9 张照片"
    assert ServiceRequest.objects.count() == 0


def test_a_place_outside_the_household_is_refused(world):
    resp = post_file(world, place=f"u:{world.unit_b.pk}")
    assert resp.status_code == 400
    assert field_error(resp.content, "id_place") == "请选择问题发生的地点"
    assert ServiceRequest.objects.count() == 0


def test_overlong_description(world):
    resp = post_file(world, description="漏" * 2001)
    assert resp.status_code == 400
    assert field_error(resp.content, "id_description") == "问题描述不能超过 2000 字"


def version(r):
    r.refresh_from_db()
    return r.version


def test_return_without_a_reason(world):
    r = dispatched(world)
    resp = world.client("maintenance_worker").post(
        f"/r/{r.pk}/do/return/", {"return-version": version(r), "return-reason": "  "}
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_return-reason") == "请填写退单原因"
    body = resp.content.decode()
    assert re.search(r'<details class="action" open>\s*<summary>退单</summary>', body)
    r.refresh_from_db()
    assert r.status == "dispatched"


def test_resolve_without_a_note_keeps_nothing_and_says_why(world):
    r = dispatched(world)
    services.request_accept(request=r, acting_user=world.users["maintenance_worker"])
    resp = world.client("maintenance_worker").post(
        f"/r/{r.pk}/do/resolve/",
        {"resolve-version": version(r), "resolve-note": "", "resolve-photos": [jpeg()]},
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_resolve-note") == "请填写处理结果"
    r.refresh_from_db()
    assert r.status == "accepted" and not RequestPhoto.objects.filter(kind="after").exists()


def test_plan_with_a_past_deadline(world):
    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    services.request_accept(request=r, acting_user=worker)
    services.request_require_plan(request=r, reason="需更换整段管道", acting_user=worker)
    past = timezone.localtime() - dt.timedelta(hours=2)
    resp = world.client("maintenance_worker").post(
        f"/r/{r.pk}/do/submit_plan/",
        {
            "submit_plan-version": version(r),
            "submit_plan-plan": "更换 1 栋主下水管，需业主配合",
            "submit_plan-resolve_by": past.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_submit_plan-resolve_by") == "方案完成时间须晚于当前时间"
    assert "更换 1 栋主下水管，需业主配合</textarea>" in resp.content.decode()
    resp = world.client("maintenance_worker").post(
        f"/r/{r.pk}/do/submit_plan/",
        {
            "submit_plan-version": version(r),
            "submit_plan-plan": "更换",
            "submit_plan-resolve_by": "明天",
        },
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_submit_plan-resolve_by") == "请输入有效的日期和时间"


def test_rate_without_a_score(world):
    r = dispatched(world)
    worker = world.users["maintenance_worker"]
    services.request_accept(request=r, acting_user=worker)
    services.request_resolve(request=r, note="已疏通", acting_user=worker)
    resp = world.client("resident").post(
        f"/r/{r.pk}/do/rate/",
        {"rate-version": version(r), "rate-solved": "no", "rate-comment": "还是有点慢"},
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_rate-score") == "请选择满意度"
    body = resp.content.decode()
    assert "还是有点慢</textarea>" in body
    assert re.search(r'value="no"[^>]*checked|checked[^>]*value="no"', body)
    r.refresh_from_db()
    assert r.status == "resolved"


def test_dispatch_without_a_unit_in_the_console(world):
    r = file_via_service(world)
    resp = world.client("community_staff").post(
        f"/r/{r.pk}/do/dispatch/",
        {
            "dispatch-version": version(r),
            "dispatch-note": "请尽快",
            "next": "console",
            "tab": "new",
        },
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_dispatch-org") == "请选择承办单位"
    body = resp.content.decode()
    assert "派单台" in body and r.number in body  # the console page, pane open
    assert 'value="请尽快"' in body
    r.refresh_from_db()
    assert r.status == "submitted"


def test_merge_into_an_unknown_number(world):
    r = file_via_service(world)
    resp = world.client("community_staff").post(
        f"/r/{r.pk}/do/merge/", {"merge-version": version(r), "merge-into": "RP99999999"}
    )
    assert resp.status_code == 400
    assert field_error(resp.content, "id_merge-into") == "找不到该编号的诉求"


def test_stale_page_is_a_conflict_and_writes_nothing(world):
    r = dispatched(world)
    stale = version(r)
    services.request_accept(request=r, acting_user=world.users["maintenance_worker"])
    before = RequestEvent.objects.count()
    resp = world.client("maintenance_worker").post(
        f"/r/{r.pk}/do/return/", {"return-version": stale, "return-reason": "不归我们管"}
    )
    assert resp.status_code == 409
    assert "诉求已被他人更新，请刷新后重试" in resp.content.decode()
    assert RequestEvent.objects.count() == before


def test_a_step_no_longer_possible_is_a_conflict_at_the_top(world):
    r = dispatched(world)
    services.request_accept(request=r, acting_user=world.users["maintenance_worker"])
    resp = world.client("maintenance_worker").post(f"/r/{r.pk}/do/accept/", {})
    assert resp.status_code == 409
    assert "该诉求已被他人接单" in resp.content.decode()


def test_resident_cannot_cancel_after_acceptance(world):
    r = dispatched(world)
    services.request_accept(request=r, acting_user=world.users["maintenance_worker"])
    page = world.client("resident").get(f"/r/{r.pk}/").content.decode()
    assert "/do/cancel/" not in page
    resp = world.client("resident").post(f"/r/{r.pk}/do/cancel/", {"cancel-reason": "不需要了"})
    assert resp.status_code == 409
    assert "诉求已被接单，不能撤销，请联系社区" in resp.content.decode()


def test_garbage_version_and_values_are_400_not_500(world):
    r = file_via_service(world)
    resp = world.client("community_staff").post(
        f"/r/{r.pk}/do/dispatch/", {"dispatch-version": "x", "dispatch-org": "abc"}
    )
    assert resp.status_code == 400
    resp = world.client("resident").post("/file/", {"category": "nope", "place": "u:abc"})
    assert resp.status_code == 400
    assert field_error(resp.content, "id_category") == "请选择问题分类"
    assert field_error(resp.content, "id_place") == "请选择问题发生的地点"
