"""The GeoReport v2 endpoints under ``/open311/v2/`` (docs/api/open311.md). Thin: parse
the query or form, call a selector or a service, render JSON or XML."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from redprop.core.audit import audit
from redprop.core.errors import ApplicationError
from redprop.core.models import AuditEvent
from redprop.open311 import formats, selectors, services
from redprop.open311.errors import Open311Error
from redprop.open311.models import ClientKey

MAX_ID = 2**63 - 1


def _problem(fmt: str, err: ApplicationError) -> HttpResponse:
    response = formats.errors(fmt, err.status, (err.code, err.message, err.field))
    if err.status == 429:
        response["Retry-After"] = "60"
    return response


def endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Check the format and the jurisdiction, turn every refusal into the
    specification's error list in the asked format."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in formats.CONTENT_TYPES:
            err = ApplicationError(Open311Error.BAD_FORMAT, _("格式只能是 json 或 xml"), status=404)
            return _problem("json", err)
        try:
            try:
                params = request.POST if request.method == "POST" else request.GET
                jurisdiction = params.get("jurisdiction_id", "") or request.GET.get(
                    "jurisdiction_id", ""
                )
            except (RequestDataTooBig, TooManyFieldsSent):
                raise ApplicationError(
                    Open311Error.INVALID_FIELD, _("请求体过大"), status=413
                ) from None
            configured = getattr(settings, "OPEN311_JURISDICTION", "")
            if not selectors.jurisdiction_ok(jurisdiction, configured):
                raise ApplicationError(
                    Open311Error.BAD_JURISDICTION,
                    _("未知的 jurisdiction_id"),
                    field="jurisdiction_id",
                    status=404,
                )
            return view(request, *args, fmt=fmt, **kwargs)
        except ApplicationError as err:
            return _problem(fmt, err)

    return wrapper


def _key_for_read(request: HttpRequest) -> ClientKey | None:
    raw = request.GET.get("api_key", "")
    if not raw:
        return None
    key = services.key_authenticate(raw)
    audit(actor=key.user, event=AuditEvent.OPEN311_KEY_USED, target=key, action="read")
    return key


@require_http_methods(["GET", "HEAD"])
@endpoint
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    changed = w3c_now()
    data = {
        "changeset": changed,
        "contact": getattr(settings, "OPEN311_CONTACT", "")
        or _("红色物业平台管理员（见部署说明）"),
        "key_service": _("向平台管理员申请：后台“Open311 密钥”或 manage.py open311_key"),
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": changed,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return formats.render(fmt, "discovery", data)


def w3c_now() -> str:
    return formats.w3c(timezone.now().replace(hour=0, minute=0, second=0, microsecond=0))


@require_http_methods(["GET", "HEAD"])
@endpoint
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    _key_for_read(request)
    return formats.render(
        fmt, "services", [selectors.service_as_dict(c) for c in selectors.services()]
    )


@require_http_methods(["GET", "HEAD"])
@endpoint
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    _key_for_read(request)
    data = selectors.service_definition(code=code[:32])
    if data is None:
        raise ApplicationError(
            Open311Error.UNKNOWN_SERVICE, _("没有这个服务代码"), field="service_code", status=404
        )
    return formats.render(fmt, "service_definition", data)


def _bounded_int(raw: str, name: str, low: int, high: int, default: int) -> int:
    if raw == "":
        return default
    if not raw.isdigit() or len(raw) > 19 or not low <= int(raw) <= high:
        raise ApplicationError(
            Open311Error.INVALID_FIELD,
            _("%(name)s 须为 %(low)s 到 %(high)s 之间的整数")
            % {"name": name, "low": low, "high": high},
            field=name,
        )
    return int(raw)


def _date(raw: str, name: str) -> dt.datetime | None:
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise ApplicationError(
            Open311Error.INVALID_FIELD,
            _("日期须为 W3C 格式，例如 2026-12-01T00:00:00+08:00"),
            field=name,
        ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _ids(raw: str) -> list[int] | None:
    if not raw:
        return None
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if len(parts) > selectors.MAX_IDS or any(
        not p.isdigit() or len(p) > 19 or int(p) > MAX_ID for p in parts
    ):
        raise ApplicationError(
            Open311Error.INVALID_FIELD,
            _("service_request_id 须为以逗号分隔的编号（最多 100 个）"),
            field="service_request_id",
        )
    return [int(p) for p in parts]


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
@endpoint
def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    key = _key_for_read(request)
    q = request.GET
    status = q.get("status", "")
    if status not in ("", "open", "closed"):
        raise ApplicationError(
            Open311Error.INVALID_FIELD, _("status 只能是 open 或 closed"), field="status"
        )
    codes = [c.strip()[:32] for c in q.get("service_code", "").split(",") if c.strip()][:50]
    rows = selectors.request_list(
        region=key.region if key else None,
        ids=_ids(q.get("service_request_id", "")),
        service_codes=codes,
        start=_date(q.get("start_date", ""), "start_date"),
        end=_date(q.get("end_date", ""), "end_date"),
        status=status or None,
        page=_bounded_int(q.get("page", ""), "page", 1, 100_000, 1),
        page_size=_bounded_int(
            q.get("page_size", ""),
            "page_size",
            1,
            selectors.MAX_PAGE_SIZE,
            selectors.DEFAULT_PAGE_SIZE,
        ),
    )
    client_id = key.pk if key else None
    return formats.render(
        fmt, "requests", [selectors.request_as_dict(r, client_id=client_id) for r in rows]
    )


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    form = {k: request.POST.getlist(k) for k in request.POST}
    raw_key = (form.get("api_key") or [""])[0] or request.GET.get("api_key", "")
    key = services.key_authenticate(raw_key)
    filed = services.request_file_open311(
        key=key, form=form, idempotency_key=request.headers.get("Idempotency-Key", "").strip()
    )
    sr = filed.submission.request
    due = sr.resolve_due_at or sr.respond_due_at
    if due is not None:
        notice = _("已受理，将按本社区的“5341”时限处理，预计 %(due)s 前办结") % {
            "due": formats.w3c(due)
        }
    else:
        notice = _("已受理，社区派单后按“5341”时限处理")
    item = {
        "service_request_id": str(sr.pk),
        "token": filed.submission.token,
        "service_notice": notice,
        "account_id": filed.submission.account_id,
    }
    return formats.render(fmt, "requests", [item], status=201 if filed.created else 200)


@require_http_methods(["GET", "HEAD"])
@endpoint
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    key = _key_for_read(request)
    ids = _ids(request_id) if request_id.isdigit() and len(request_id) <= 19 else None
    rows = selectors.request_list(region=key.region if key else None, ids=ids[:1]) if ids else []
    if not rows:
        raise ApplicationError(
            Open311Error.UNKNOWN_REQUEST, _("没有这个诉求"), field="service_request_id", status=404
        )
    return formats.render(
        fmt, "requests", [selectors.request_as_dict(rows[0], client_id=key.pk if key else None)]
    )


@require_http_methods(["GET", "HEAD"])
@endpoint
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    found = selectors.request_for_token(token=token)
    if found is None:
        raise ApplicationError(
            Open311Error.UNKNOWN_TOKEN, _("没有这个 token"), field="token", status=404
        )
    return formats.render(fmt, "tokens", [{"service_request_id": str(found.pk), "token": token}])
