"""/api/v1/meetings: series and occurrences, meetings and their workflow, issues (议题)
and the agenda, check-in, minutes and resolutions (决议), counts, calendar feeds.

Every write is a service; a refusal is ``{code, message, field}`` with a 4xx.

The routes live in ``api_planning`` (series, meeting counts, issues,
check-in by token, feeds) and ``api_meeting`` (one meeting, its items and
resolutions); schemas and lookups in ``api_schemas``. This module assembles them into
the one ``router`` that config/api.py mounts at /meetings. The planning routes come
first: their fixed paths (/counts, /issues, /feeds …) are matched before /{meeting_id}.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from redprop.meetings import api_meeting, api_planning, selectors, services
from redprop.meetings.api_schemas import (
    MeetingDetail,
    MeetingIn,
    MeetingRow,
    _compound,
    _region,
    meeting_detail_dict,
)

router = Router(tags=["meetings 议事协商"])

# The operationIds stay what they were when every route lived in this module
# (ninja derives them from the view's module): clients generated from the schema keep
# working after the split.
for _sub in (api_planning.router, api_meeting.router):
    for _path in _sub.path_operations.values():
        for _op in _path.operations:
            _op.operation_id = _op.operation_id or f"redprop_meetings_api_{_op.view_func.__name__}"
    router.add_router("", _sub)


# --- meetings: list and create (the empty path stays on this router: a sub-router mounted
# at "" would answer it at /meetings/) ---------------------------------------------------


@router.get("", response=list[MeetingRow])
def meetings_meeting_list(request: HttpRequest, upcoming: bool | None = None) -> Any:
    return selectors.meeting_list(scope=request.user.scope_set(), upcoming=upcoming)  # type: ignore[union-attr]


@router.post("", response={201: MeetingDetail})
def meetings_meeting_create(request: HttpRequest, payload: MeetingIn) -> Any:
    place = (
        _compound(request, payload.compound_id)
        if payload.compound_id
        else _region(request, payload.community_id, "community_id")
    )
    m = services.meeting_create(
        place=place,
        kind=payload.kind,
        title=payload.title,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        venue=payload.place,
        acting_user=request.user,
    )
    return Status(201, meeting_detail_dict(request, m))
