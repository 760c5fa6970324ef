"""The request API's input and output shapes (django-ninja schemas), and the request
as JSON for a reader (``row_json``, ``detail_json``: what ``permissions.view_of`` lets
them see).

Limits: redprop.core.inputs and docs/api.md "Limits" (over-long text is refused).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Schema

from redprop.core import inputs
from redprop.core.inputs import Id, Int, Text
from redprop.requests import disclosure, permissions
from redprop.requests.choices import Channel, EventKind, Severity, Status
from redprop.requests.models import Category, ServiceRequest


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent: str | None
    matter: str
    default_severity: str
    urgent: bool
    icon: str

    @staticmethod
    def resolve_parent(obj: Category) -> str | None:
        return obj.parent.code if obj.parent_id else None


# Limits: redprop.core.inputs and docs/api.md "Limits" (over-long text is refused).
# Emptiness (also of invisible-only text) is the service's to judge: it answers
# ``description_required`` from the API and the pages alike.
Description = Text(inputs.DESCRIPTION_MAX)
Note = Text(inputs.NOTE_MAX)
CategoryCode = Text(inputs.CODE_MAX, required=True)


class RequestIn(Schema):
    category: CategoryCode
    description: Description  # type: ignore[valid-type]
    unit_id: Id | None = None
    building_id: Id | None = None
    compound_id: Id | None = None
    location_text: Text(inputs.LOCATION_MAX) = ""  # type: ignore[valid-type]
    channel: Channel = Channel.RESIDENT_APP
    severity: Severity | None = None
    urgent: bool | None = None
    anonymous: bool = False
    reporter_id: Id | None = None
    external_ref: Text(inputs.EXTERNAL_REF_MAX) = ""  # type: ignore[valid-type]


class RequestRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    category: str
    category_name: str
    severity: str
    urgent: bool
    description: str | None  # None: not the reader's to see (a follower)
    channel: str
    compound_id: int | None
    compound_name: str | None
    grid_id: int | None
    community_id: int | None
    handling_org_id: int | None
    handling_org_name: str | None
    assignee_name: str | None
    created_at: dt.datetime
    respond_due_at: dt.datetime | None
    resolve_due_at: dt.datetime | None
    plan_due_at: dt.datetime | None
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    breached: bool
    escalation_level: int
    reopen_count: int
    rating: int | None
    solved: bool | None
    version: int

    @staticmethod
    def resolve_status_label(obj: ServiceRequest) -> str:
        return str(Status(obj.status).label)

    @staticmethod
    def resolve_category(obj: ServiceRequest) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: ServiceRequest) -> str:
        return obj.category.name

    @staticmethod
    def resolve_compound_name(obj: ServiceRequest) -> str | None:
        return obj.compound.name if obj.compound_id else None

    @staticmethod
    def resolve_handling_org_name(obj: ServiceRequest) -> str | None:
        return obj.handling_org.name if obj.handling_org_id else None

    @staticmethod
    def resolve_assignee_name(obj: ServiceRequest) -> str | None:
        return str(obj.assignee) if obj.assignee_id else None


class EventOut(Schema):
    id: int
    at: dt.datetime
    kind: str
    kind_label: str
    actor: str | None
    from_status: str
    to_status: str
    org: str | None
    note: str
    data: dict[str, Any]

    @staticmethod
    def resolve_kind_label(obj: Any) -> str:
        return str(EventKind(obj.kind).label)

    @staticmethod
    def resolve_actor(obj: Any) -> str | None:
        return str(obj.actor) if obj.actor_id else _("系统")

    @staticmethod
    def resolve_org(obj: Any) -> str | None:
        return obj.org.name if obj.org_id else None


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return obj.image.url


class RequestDetail(RequestRow):
    location_text: str | None
    reporter: str | None
    reporter_mobile: str | None
    events: list[EventOut]
    photos: list[PhotoOut]
    merged_into_id: int | None


class RequestPage(Schema):
    items: list[RequestRow]
    next_cursor: int | None


class ReasonIn(Schema):
    reason: Note = ""  # type: ignore[valid-type]


class NoteIn(Schema):
    note: Note = ""  # type: ignore[valid-type]


class DispatchIn(Schema):
    org_id: Id
    assignee_id: Id | None = None
    note: Note = ""  # type: ignore[valid-type]


class PlanIn(Schema):
    plan: Description
    resolve_by: dt.datetime


Score = Int(1, 5)


class RateIn(Schema):
    score: Score
    solved: bool
    comment: Note = ""  # type: ignore[valid-type]


class RevisitIn(Schema):
    solved: bool
    score: Score | None = None
    note: Note = ""  # type: ignore[valid-type]


class MergeIn(Schema):
    into_id: Id


class SimilarIn(Schema):
    category: CategoryCode
    # As long as filing allows, no longer (the finder compares the first 300 characters).
    description: Description
    compound_id: Id | None = None
    unit_id: Id | None = None


class SimilarOut(Schema):
    id: int
    number: str
    status: str
    category_name: str
    created_at: dt.datetime
    score: float
    description: str | None


class SuggestOut(Schema):
    org_id: int | None
    org_name: str | None
    reason: str
    auto_dispatch: bool
    similar: list[SimilarOut]


class RateRow(Schema):
    key: Any
    filed: int
    dispatched: int
    response_base: int
    responded_on_time: int
    resolved: int
    resolved_on_time: int
    rated_or_revisited: int
    solved_confirmed: int
    rated: int
    breached: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    compliance_rate: float | None


# --- the request as a reader may see it ------------------------------------------


class _DetailSource(Schema):
    """Internal: the detail as read from the ORM (resolvers run on model objects only)."""

    reporter: str | None
    reporter_mobile: str | None

    @staticmethod
    def resolve_reporter(obj: ServiceRequest) -> str | None:
        return None if obj.anonymous or not obj.reporter_id else obj.reporter.display_name

    @staticmethod
    def resolve_reporter_mobile(obj: ServiceRequest) -> str | None:
        # Masked always; the handler reveals it (logged) only while the request is open.
        return None if obj.anonymous or not obj.reporter_id else obj.reporter.mobile_masked


def row_json(user: Any, obj: ServiceRequest) -> dict[str, Any]:
    """A list row as the reader may see it (``permissions.view_of``; no query)."""
    view = permissions.view_of(user, obj)
    return _disclose(RequestRow.from_orm(obj).model_dump(mode="json"), obj, view)


def _disclose(data: dict[str, Any], obj: ServiceRequest, view: permissions.View) -> dict[str, Any]:
    """Blank what ``view`` may not read: a follower sees what the public would
    (category, status, compound, deadlines, the steps), never the reporter's words,
    flat, identity or rating, nor a worker's name (docs/adr/0008-follower-view.md)."""
    if view == permissions.View.STAFF:
        return data
    # Staff are named by their display name, never their login.
    data["assignee_name"] = (obj.assignee.display_name or None) if obj.assignee_id else None
    if view == permissions.View.PUBLIC:
        data.update(description=None, assignee_name=None, rating=None, solved=None)
        for key in ("location_text", "reporter", "reporter_mobile"):
            if key in data:
                data[key] = None
        if "photos" in data:
            data["photos"] = []
    return data


def _event_json(event: Any, reader: disclosure.Reader) -> dict[str, Any]:
    data = EventOut.from_orm(event).model_dump(mode="json")
    data.update(
        actor=reader.actor(event),
        note=event.note if reader.shows_note(event) else "",
        data=reader.data(event),
    )
    return data


def detail_json(user: Any, obj: ServiceRequest) -> dict[str, Any]:
    """The detail as plain JSON (also what an Idempotency-Key stores), as the reader
    may see it (``permissions.view_of``)."""
    view = permissions.view_of(user, obj)
    reader = disclosure.Reader(obj, view=view, viewer=user)
    data = RequestRow.from_orm(obj).model_dump(mode="json")
    data.update(_DetailSource.from_orm(obj).model_dump(mode="json"))
    # A request just filed carries its events (request_file), and has photos only
    # when some were uploaded with it: no need to read either back.
    events = getattr(obj, "new_events", None)
    if events is None:
        events = obj.events.all()
    photos = getattr(obj, "new_photos", None)
    if photos is None:
        photos = obj.photos.all()
    data.update(
        location_text=obj.location_text,
        events=[_event_json(e, reader) for e in events],
        photos=[PhotoOut.from_orm(p).model_dump(mode="json") for p in photos]
        if view != permissions.View.PUBLIC
        else [],
        merged_into_id=obj.merged_into_id,
    )
    return _disclose(data, obj, view)
