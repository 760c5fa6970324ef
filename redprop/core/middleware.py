"""Middleware of the platform's edges: refuse an over-large body before anything reads
it (docs/adr/0009-input-limits.md), and answer a database outage with 503 "try again
shortly", never a 500 error page (docs/reliability.md).

While PostgreSQL is unreachable (restarting, failing over, a network blip) every
query raises ``OperationalError`` or ``InterfaceError``. ``DatabaseUnavailableMiddleware``
turns those into **503 with ``Retry-After``**: the JSON error shape
``{"code": "service_unavailable", "message": ..., "field": null}`` under ``/api/``,
a small page (no database, no base template, it refreshes itself) elsewhere. A
client may retry: nothing was written (a request's writes are one transaction),
and the API's creates are idempotent with ``Idempotency-Key``.

The middleware catches what a view raises; ``server_error`` (``handler500``) catches
what other middleware raises (e.g. saving the session) and answers the same way.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from redprop.core.resilience import DB_UNAVAILABLE

log = logging.getLogger("redprop.health")

RETRY_AFTER_S = 5
API_PREFIX = "/api/"


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with ``Retry-After``; JSON for the API, a page for people."""
    log.warning(
        "database unavailable: %s %s -> 503 (%s)",
        request.method,
        request.path,
        exc.__class__.__name__,
        extra={"event": "db_unavailable", "component": "web"},
    )
    message = _("服务暂时不可用，请稍后重试。")
    if request.path.startswith(API_PREFIX):
        response: HttpResponse = JsonResponse(
            {"code": "service_unavailable", "message": message, "field": None}, status=503
        )
    else:
        html = render_to_string(
            "core/unavailable.html", {"message": message, "retry_after": RETRY_AFTER_S}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DB_UNAVAILABLE):
            return unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: 503 for a database outage, JSON for the API, else Django's page."""
    exc = sys.exc_info()[1]
    if isinstance(exc, DB_UNAVAILABLE):
        return unavailable_response(request, exc)
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {
                "code": "server_error",
                "message": _("服务器内部错误，已记录，请稍后重试。"),
                "field": None,
            },
            status=500,
        )
    return defaults.server_error(request)


class BodyLimitMiddleware:
    """413 for a body past the limit, by its Content-Length, before auth or CSRF.

    A multipart body (photos) may reach ``REDPROP_MAX_UPLOAD_BYTES``; any other body
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which Django also enforces while reading a body
    sent without a length (then ``process_exception`` answers, and the API's own
    handler). The API answers ``{code, message, field}`` JSON, the pages a page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        limit = (
            settings.REDPROP_MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if isinstance(exc, RequestDataTooBig):
            return too_large_response(request)
        return None


def too_large_response(request: HttpRequest) -> HttpResponse:
    from redprop.core.errors import request_too_large

    err = request_too_large()
    if request.path.startswith(API_PREFIX):
        return JsonResponse(err.as_dict(), status=413)
    return render(request, "413.html", {"message": err.message}, status=413)
