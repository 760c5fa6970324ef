"""The JSON API under /api/v1/ (Django Ninja): auth, error shape, and app routers."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyCookie, HttpBearer

from redprop.core.errors import (
    ApplicationError,
    ErrorCode,
    request_too_large,
    validation_error_from_django,
)

TOKEN_TOUCH_EVERY = dt.timedelta(minutes=5)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from redprop.accounts.selectors import token_with_user

        digest = hashlib.sha256(token.encode()).hexdigest()
        row = token_with_user(key_hash=digest)
        if row is None:
            return None
        if getattr(row, "scope", "write") != "write" and request.method not in SAFE_METHODS:
            raise ApplicationError(
                "token_read_only", _("该令牌为只读令牌，不能修改数据"), status=403
            )
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_EVERY:
            # At most one write per token per interval: the hot path stays read-only.
            type(row).objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class SessionAuth(APIKeyCookie):
    """The browser's Django session (CSRF-checked on unsafe methods)."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        # A session still waiting for its two-step code has an anonymous user here
        # (accounts.middleware.SessionPolicyMiddleware), so it gets 401.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


api = NinjaAPI(
    title="RedProp 红色物业平台 API",
    version="1",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(request: HttpRequest, err: ApplicationError) -> HttpResponse:
    return api.create_response(request, err.as_dict(), status=err.status)


@api.exception_handler(ApplicationError)
def _application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error_response(request, exc)


@api.exception_handler(DjangoValidationError)
def _django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    return error_response(request, validation_error_from_django(exc))


def _validation_message(error: dict[str, Any]) -> str:
    """A Chinese sentence for one pydantic error: the limit it broke, with its figure."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "json_invalid" or "JSON" in str(error.get("msg", "")):
        return _("请求体不是有效的 JSON")
    if kind == "missing":
        return _("缺少必填字段")
    if kind == "string_too_long":
        return _("不能超过 %(max)s 个字符") % {"max": ctx.get("max_length")}
    if kind == "too_long":
        return _("最多 %(max)s 项") % {"max": ctx.get("max_length")}
    if kind in ("string_too_short", "blank"):
        return _("不能为空，也不能只含空白或不可见字符")
    if kind == "invalid_characters":
        return _("含有不允许的字符（如 NUL、控制字符或不成对的代理项）")
    if kind in ("greater_than_equal", "greater_than"):
        return _("数值不能小于 %(min)s") % {"min": ctx.get("ge", ctx.get("gt"))}
    if kind in ("less_than_equal", "less_than"):
        return _("数值不能大于 %(max)s") % {"max": ctx.get("le", ctx.get("lt"))}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("应为整数")
    if kind in ("enum", "literal_error"):
        return _("取值无效，可选：%(expected)s") % {"expected": ctx.get("expected", "")}
    return _("字段格式不正确")


@api.exception_handler(NinjaValidationError)
def _ninja_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    err = ApplicationError(
        ErrorCode.VALIDATION,
        _validation_message(first),
        field=".".join(loc) or None,
        status=400,
        extra={"detail": [{"loc": e.get("loc"), "type": e.get("type")} for e in exc.errors]},
    )
    return error_response(request, err)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body past DATA_UPLOAD_MAX_MEMORY_SIZE (one sent without Content-Length; the
    others are refused by core.middleware.BodyLimitMiddleware before any view)."""
    return error_response(request, request_too_large())


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """Too many form fields or files, a malformed multipart body: the client's fault."""
    return error_response(
        request, ApplicationError(ErrorCode.VALIDATION, _("请求格式不正确"), status=400)
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        ApplicationError(ErrorCode.NOT_AUTHENTICATED, _("请先登录或提供有效的令牌"), status=401),
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(
        request,
        ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在或不在您的管辖范围内"), status=404),
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    known = {
        400: (ErrorCode.VALIDATION, _("请求体格式不正确（不是有效的 JSON）")),
        405: ("method_not_allowed", _("不支持该请求方法")),
        413: (ErrorCode.TOO_LARGE, _("请求体过大")),
    }
    if exc.status_code == 403 and str(exc) == "CSRF check Failed":  # ninja's, in English
        known[403] = (
            "csrf_failed",
            _("CSRF 校验失败：请刷新页面后重试（程序调用请使用 API 令牌）"),
        )
    code, message = known.get(exc.status_code, ("http_error", str(exc)))
    return error_response(request, ApplicationError(code, message, status=exc.status_code))


def _register_routers() -> None:
    from redprop.meetings.api import router as meetings_router
    from redprop.notifications.api import router as notifications_router
    from redprop.people.api import router as people_router
    from redprop.requests.api import router as requests_router
    from redprop.territory.api import router as territory_router
    from redprop.votes.api import router as votes_router

    api.add_router("/territory", territory_router)
    api.add_router("/people", people_router)
    api.add_router("/notifications", notifications_router)
    api.add_router("/requests", requests_router)
    api.add_router("/votes", votes_router)
    api.add_router("/meetings", meetings_router)


_register_routers()
