"""GeoReport v2's two formats. JSON is a list (or an object for discovery); XML has a
UTF-8 declaration and the specification's root and element names. Both are built
from the same plain Python values, so a field can never be in one and not the other."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# (root element, child element) of each kind of answer, as the specification shows them.
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "tokens": ("service_requests", "request"),
}


def w3c(moment: dt.datetime | None) -> str:
    """W3C date-time with the offset, in the platform's zone (Asia/Shanghai)."""
    if moment is None:
        return ""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for k, v in value.items():
            _append(el, k, v)
    elif isinstance(value, list):
        # A list inside an element: the specification's <keywords> is text, but
        # attribute <values> hold <value> elements.
        singular = {
            "values": "value",
            "attributes": "attribute",
            "endpoints": "endpoint",
            "formats": "format",
        }
        child = singular.get(name, "item")
        for item in value:
            _append(el, child, item)
    else:
        el.text = _text(value)


def to_xml(kind: str, items: list[dict[str, Any]] | dict[str, Any]) -> bytes:
    if kind in ROOTS:
        root_name, child = ROOTS[kind]
        root = ET.Element(root_name)
        for item in items if isinstance(items, list) else [items]:
            _append(root, child, item)
        body = root
    elif isinstance(items, dict):  # a single object: discovery, service_definition
        body = ET.Element(kind)
        for k, v in items.items():
            _append(body, k, v)
    else:
        raise TypeError(kind)
    return ET.tostring(body, encoding="utf-8", xml_declaration=True)


def render(fmt: str, kind: str, data: Any, *, status: int = 200) -> HttpResponse:
    content = to_xml(kind, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(content, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, *problems: tuple[str, str, str | None]) -> HttpResponse:
    """A list of ``{code, description}`` as the specification shows (``code`` is the
    HTTP status, ``description`` the message in the reader's language), each with our
    machine-readable ``reason`` and the ``field`` it concerns, which clients that index
    only the specification's fields ignore."""
    items = [
        {"code": status, "description": message, "reason": reason, "field": field or ""}
        for reason, message, field in problems
    ]
    return render(fmt, "errors", items, status=status)
