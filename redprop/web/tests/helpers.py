"""Helpers for the page tests: files, requests filed through the pages, HTML probes."""

from __future__ import annotations

import html
import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from redprop.requests import services
from redprop.requests.models import Category, ServiceRequest


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (1200, 900)) -> SimpleUploadedFile:
    """A real JPEG made with Pillow (a camera photo, smaller)."""
    buf = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buf, "JPEG", quality=80)
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def file_via_service(world: Any, description: str = "厨房下水道堵塞，污水倒灌") -> ServiceRequest:
    """A resident's request, filed through the service (as the API would)."""
    return services.request_file(
        acting_user=world.users["resident"],
        category=Category.objects.get(code="pipe_dredging"),
        description=description,
        unit=world.unit,
    )


def dispatched(world: Any, **kwargs: Any) -> ServiceRequest:
    r = file_via_service(world, **kwargs)
    return services.request_dispatch(
        request=r, org=world.company, acting_user=world.users["community_staff"]
    )


def field_error(content: bytes | str, field_id: str) -> str:
    """The error text shown right under the field ``field_id`` ('' if none)."""
    text = content.decode() if isinstance(content, bytes) else content
    m = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', text, re.S)
    if not m:
        return ""
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def title_of(content: bytes) -> str:
    m = re.search(r"<title>(.*?)</title>", content.decode(), re.S)
    return html.unescape(m.group(1)).strip() if m else ""
