"""Reads of the Open311 interface: the service list and definitions, and requests as
GeoReport v2 shows them. Only public fields: no names, phones, e-mails or unit
numbers; the address is the compound's, and digits that could be a phone or an ID
number are masked in descriptions (docs/api/open311.md)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from redprop.open311.choices import OPEN311_CLOSED
from redprop.open311.formats import w3c
from redprop.open311.models import ServiceAttribute, Submission
from redprop.requests.models import Category, ServiceRequest
from redprop.territory.models import Region

DEFAULT_WINDOW = dt.timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_IDS = 100
# Runs of 7+ digits (phones, ID numbers) and flat numbers such as "3栋2单元501".
_PRIVATE = re.compile(r"\d[\d\s-]{5,}\d[\dXx]?|\d+\s*(?:栋|幢|号楼)\s*\d*\s*单元?\s*\d*(?:室|号)?")

REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)


def services() -> list[Category]:
    """Categories a request can be filed in: active leaves (a parent only groups)."""
    has_children = Category.objects.filter(parent=OuterRef("pk"), is_active=True)
    return list(
        Category.objects.filter(is_active=True)
        .annotate(
            has_children=Exists(has_children),
            has_attributes=Exists(ServiceAttribute.objects.filter(category=OuterRef("pk"))),
        )
        .filter(has_children=False)
        .select_related("parent")
        .order_by("sort", "code")
    )


def service_as_dict(category: Any) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _("%(group)s · %(name)s")
        % {
            "group": category.parent.name if category.parent else "",
            "name": category.name,
        },
        "metadata": bool(category.has_attributes),
        "type": "realtime",
        "keywords": ",".join(
            filter(None, [category.name, category.parent.name if category.parent else ""])
        ),
        "group": category.parent.name if category.parent else category.name,
    }


def service_definition(*, code: str) -> dict[str, Any] | None:
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        return None
    attributes = [
        {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description,
            "order": a.order,
            "description": a.description,
            "values": [
                {"key": str(v.get("key")), "name": str(v.get("name", ""))} for v in a.values
            ],
        }
        for a in ServiceAttribute.objects.filter(category=category)
    ]
    return {"service_code": category.code, "attributes": attributes}


def mask_private(text: str) -> str:
    return _PRIVATE.sub("***", text)


def request_list(
    *,
    region: Region | None,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    status: str | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> list[ServiceRequest]:
    """Requests by GeoReport's filters, newest first. Without ids, the window is the
    last 90 days unless dates are given. ``region`` narrows to a key's region (public
    reads pass ``None``: every request, public fields only)."""
    qs: QuerySet[ServiceRequest] = ServiceRequest.objects.select_related(
        "category", "handling_org", "compound", "open311_submission"
    )
    if region is not None:
        qs = qs.filter(**{f"{region.level}_id": region.pk})
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        now = timezone.now()
        if start is None and end is None:
            start = now - DEFAULT_WINDOW
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
    if service_codes:
        qs = qs.filter(category__code__in=service_codes)
    if status == "open":
        qs = qs.exclude(status__in=OPEN311_CLOSED)
    elif status == "closed":
        qs = qs.filter(status__in=OPEN311_CLOSED)
    offset = (page - 1) * page_size
    return list(qs.order_by("-created_at", "-id")[offset : offset + page_size])


def request_as_dict(request: ServiceRequest, *, client_id: int | None = None) -> dict[str, Any]:
    """Every field the specification lists, empty where there is no value. The
    description is what the public view of a request leaves out (ADR 0008): it is given
    only to the client system that filed the request (``client_id``, its key), masked
    even then."""
    closed = request.status in OPEN311_CLOSED
    due = None if closed else (request.active_due_at or request.resolve_due_at)
    compound = request.compound
    try:
        submission = request.open311_submission
    except ObjectDoesNotExist:
        submission = None
    return {
        "service_request_id": str(request.pk),
        "status": "closed" if closed else "open",
        "status_notes": request.get_status_display(),
        "service_name": request.category.name,
        "service_code": request.category.code,
        "description": mask_private(request.description)
        if submission is not None and client_id is not None and submission.client_id == client_id
        else "",
        "agency_responsible": request.handling_org.name if request.handling_org else "",
        "service_notice": "",
        "requested_datetime": w3c(request.created_at),
        "updated_datetime": w3c(request.updated_at),
        "expected_datetime": w3c(due),
        "address": compound.name if compound else "",
        "address_id": "",
        "zipcode": "",
        "lat": str(compound.lat) if compound and compound.lat is not None else "",
        "long": str(compound.lng) if compound and compound.lng is not None else "",
        "media_url": submission.media_url if submission else "",
    }


def request_for_token(*, token: str) -> ServiceRequest | None:
    sub = Submission.objects.select_related("request").filter(token=token[:32]).first()
    return sub.request if sub else None


def jurisdiction_ok(value: str, configured: str) -> bool:
    return not value or not configured or value == configured
