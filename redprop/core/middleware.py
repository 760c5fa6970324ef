"""Refuse an over-large body before anything reads it (docs/adr/0009-input-limits.md)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

API_PREFIX = "/api/"


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
