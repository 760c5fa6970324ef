"""The JSON API's shared parts: the session auth and the error shape.

The API root itself (the NinjaAPI, its token auth and every app's router) is
assembled in ``config/api.py``, above the apps, so core imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie

from redprop.core.errors import (
    ApplicationError,
    ErrorCode,
    request_too_large,
    validation_error_from_django,
)

_RENDERER = JSONRenderer()  # the API root's (config/api.py sets no other)


def json_response(request: HttpRequest, data: Any, *, status: int) -> HttpResponse:
    """A response rendered as the API root renders one (``NinjaAPI.create_response``),
    for an endpoint that answers with stored JSON (an idempotent replay)."""
    content = _RENDERER.render(request, data, response_status=status)
    return HttpResponse(
        content, status=status, content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}"
    )


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


def _application_error(exc: ApplicationError) -> ApplicationError:
    return exc


def _django_validation(exc: DjangoValidationError) -> ApplicationError:
    return validation_error_from_django(exc)


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


def _ninja_validation(exc: NinjaValidationError) -> ApplicationError:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "payload")]
    err = ApplicationError(
        ErrorCode.VALIDATION,
        _validation_message(first),
        field=".".join(loc) or None,
        status=400,
        extra={"detail": [{"loc": e.get("loc"), "type": e.get("type")} for e in exc.errors]},
    )
    return err


def _too_big(exc: RequestDataTooBig) -> ApplicationError:
    """A body past DATA_UPLOAD_MAX_MEMORY_SIZE (one sent without Content-Length; the
    others are refused by core.middleware.BodyLimitMiddleware before any view)."""
    return request_too_large()


def _suspicious(exc: SuspiciousOperation) -> ApplicationError:
    """Too many form fields or files, a malformed multipart body: the client's fault."""
    return ApplicationError(ErrorCode.VALIDATION, _("请求格式不正确"), status=400)


def _auth_error(exc: AuthenticationError) -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_AUTHENTICATED, _("请先登录或提供有效的令牌"), status=401)


def _not_found(exc: Http404) -> ApplicationError:
    return ApplicationError(ErrorCode.NOT_FOUND, _("对象不存在或不在您的管辖范围内"), status=404)


def _http_error(exc: HttpError) -> ApplicationError:
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
    return ApplicationError(code, message, status=exc.status_code)


# Every exception the API turns into ``{code, message, field}`` with a 4xx, and how.
ERROR_SHAPES: dict[type[Exception], Callable[[Any], ApplicationError]] = {
    ApplicationError: _application_error,
    DjangoValidationError: _django_validation,
    NinjaValidationError: _ninja_validation,
    RequestDataTooBig: _too_big,
    SuspiciousOperation: _suspicious,
    AuthenticationError: _auth_error,
    Http404: _not_found,
    HttpError: _http_error,
}


def install_error_handlers(api: NinjaAPI) -> None:
    """Give ``api`` the project's error shape (the API root is built in config/api.py)."""

    def handler(convert: Callable[[Any], ApplicationError]) -> Callable[..., HttpResponse]:
        def respond(request: HttpRequest, exc: Exception) -> HttpResponse:
            err = convert(exc)
            return api.create_response(request, err.as_dict(), status=err.status)

        return respond

    for exc_class, convert in ERROR_SHAPES.items():
        api.add_exception_handler(exc_class, handler(convert))
