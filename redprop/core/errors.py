"""One error type for every rule a service enforces.

Services raise ``ApplicationError``; the API, the forms and the admin turn it into
``{"code": ..., "message": ..., "field": ...}`` with a 4xx status. Each app keeps
its codes in an Enum (``errors.py``) so a client can branch on them.
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils.translation import gettext as _


class ErrorCode(enum.StrEnum):
    """Codes shared by every app."""

    VALIDATION = "validation_error"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    CONFLICT = "conflict"
    NOT_AUTHENTICATED = "not_authenticated"
    TOO_LARGE = "request_too_large"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"


class ApplicationError(Exception):
    """A rule was broken. Nothing was written (services are atomic)."""

    status = 400

    def __init__(
        self,
        code: str | enum.Enum,
        message: str,
        *,
        field: str | None = None,
        status: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code.value if isinstance(code, enum.Enum) else code
        self.message = str(message)
        self.field = field
        if status is not None:
            self.status = status
        self.extra = extra or {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        if self.extra:
            body.update(self.extra)
        return body


class NotFound(ApplicationError):
    status = 404

    def __init__(self, message: str | None = None) -> None:
        super().__init__(ErrorCode.NOT_FOUND, message or _("对象不存在或不在您的管辖范围内"))


class PermissionDenied(ApplicationError):
    status = 403

    def __init__(self, message: str | None = None) -> None:
        super().__init__(ErrorCode.PERMISSION_DENIED, message or _("您没有执行此操作的权限"))


class Conflict(ApplicationError):
    status = 409

    def __init__(self, code: str | enum.Enum, message: str) -> None:
        super().__init__(code, message)


def request_too_large() -> ApplicationError:
    """413: the body is past the limit (docs/api.md, "Limits")."""
    from django.conf import settings

    return ApplicationError(
        ErrorCode.TOO_LARGE,
        _("请求体过大：最多 %(kb)s KB（上传照片时最多 %(mb)s MB）")
        % {
            "kb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024,
            "mb": settings.REDPROP_MAX_UPLOAD_BYTES // (1024 * 1024),
        },
        status=413,
    )


def validation_error_from_django(exc: Any) -> ApplicationError:
    """Turn a django ValidationError into our shape (first field error wins)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            msg = errors[0].messages[0] if errors else str(exc)
            code = getattr(errors[0], "code", None) or ErrorCode.VALIDATION
            return ApplicationError(
                code, msg, field=None if field == "__all__" else field, status=400
            )
    messages = getattr(exc, "messages", [str(exc)])
    code = getattr(exc, "code", None) or ErrorCode.VALIDATION
    return ApplicationError(code, messages[0], status=400)
