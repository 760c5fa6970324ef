"""Structured logs: one JSON object per line, and an access log written through it.

Production settings route every logger to stdout through ``JsonFormatter``; the
process manager (systemd's journal, or ``bin/serve``'s terminal) collects the lines.
A line carries ``time`` (ISO 8601 with offset), ``level``, ``logger``, ``message``
and, when the record was about an HTTP request, ``method``, ``path``, ``status``
(Django's ``django.request`` logger attaches them to 4xx/5xx records, and
``AccessLogMiddleware`` to every request), plus ``exc`` with the traceback.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

# Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request", "status_code", "server_time"}
)


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON (never raises on odd ``extra`` values)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .astimezone()
            .isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            out["method"] = getattr(request, "method", None)
            out["path"] = request.path
        status = getattr(record, "status_code", None)
        if status is not None:
            out["status"] = status
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_") and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


# A mainland mobile (11 digits from 1[3-9]) or an 18-character ID number standing alone:
# kept are the first 3 and last 4 digits of a mobile, the first 4 and last 4 of an ID
# number, as on the pages (people/masking.py; core may not import it).
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{10}([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")


def mask_pii_text(text: str) -> str:
    """``13812341234`` → ``138****1234``; ``11010519491231002X`` → ``1101**********002X``."""
    text = _ID_NUMBER.sub(lambda m: f"{m[1]}{'*' * 10}{m[2]}", text)
    return _MOBILE.sub(lambda m: f"{m[1]}****{m[3]}", text)


class MaskPiiFilter(logging.Filter):
    """Masks mobile and ID numbers in a record's message and its ``extra`` strings.

    On the handlers of every settings file, so a number a library or a message
    happens to carry never reaches a log line in clear.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_pii_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, mask_pii_text(value))
        return True


access_log = logging.getLogger("redprop.access")


class AccessLogMiddleware:
    """One INFO line per request: method, path, status, duration, user id.

    First in MIDDLEWARE so the duration covers every other middleware. Query
    strings are left out (they may carry search terms about people).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request": request,
                    "status_code": response.status_code,
                    "duration_ms": round((time.perf_counter() - start) * 1000, 1),
                    "user_id": _user_id(request),
                },
            )
        return response


def _user_id(request: HttpRequest) -> int | None:
    """The user's id if it is already known: never a query just to log it."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)  # a SimpleLazyObject not yet evaluated: skip
    if wrapped is None or wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)
