"""A member's record of service, drawn from the platform (三岗联创 records).

Each source is a function ``fn(*, person_id, since, until) -> number`` registered under a
name. Two come built in: requests handled (``requests``: orders the member's account
resolved) and meetings attended (``meetings``: signed in as a participant). Other apps
plug in with :func:`register_source` (the volunteers app registers its approved hours)
without this app importing them::

    from redprop.party.records import register_source
    register_source("volunteer_hours", hours_of, label=_("志愿服务时长（小时）"))

A source that raises is reported as unavailable for that line, never as a page error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

Number = int | float | Decimal
Source = Callable[..., Number]


@dataclass(frozen=True)
class Line:
    name: str
    label: str
    value: Number | None  # None: the source failed


_SOURCES: dict[str, tuple[Any, Source]] = {}


def register_source(name: str, fn: Source, *, label: Any = "") -> None:
    """Add (or replace) the source ``name``; ``label`` is what the record page shows."""
    if not name or len(name) > 32:
        raise ValueError("a source name is 1-32 characters")
    _SOURCES[name] = (label or name, fn)


def unregister_source(name: str) -> None:
    _SOURCES.pop(name, None)


def source_names() -> list[str]:
    return list(_SOURCES)


def _bounds(since: dt.date | None, until: dt.date | None) -> dict[str, Any]:
    return {"since": since, "until": until}


def service_record(
    *, person_id: int, since: dt.date | None = None, until: dt.date | None = None
) -> list[Line]:
    """Every registered source's figure for one person over ``[since, until]``."""
    lines = []
    for name, (label, fn) in _SOURCES.items():
        try:
            value: Number | None = fn(person_id=person_id, **_bounds(since, until))
        except Exception:  # a plug-in's failure must not break the page
            log.exception("party record source %s failed", name)
            value = None
        lines.append(Line(name=name, label=str(label), value=value))
    return lines


# --- built-in sources ----------------------------------------------------------------------


def requests_handled(*, person_id: int, since: dt.date | None, until: dt.date | None) -> int:
    """Orders resolved by the member's own account (assignee) in the period."""
    from redprop.requests.choices import Status
    from redprop.requests.models import ServiceRequest

    qs = ServiceRequest.objects.filter(
        assignee__person_id=person_id,
        status__in=[Status.RESOLVED, Status.RATED, Status.CLOSED],
        resolved_at__isnull=False,
    )
    if since:
        qs = qs.filter(resolved_at__date__gte=since)
    if until:
        qs = qs.filter(resolved_at__date__lte=until)
    return qs.count()


def meetings_attended(*, person_id: int, since: dt.date | None, until: dt.date | None) -> int:
    """Meetings (逢四说事, joint meetings…) the member signed in to."""
    from redprop.meetings.choices import Attendance
    from redprop.meetings.models import Participant

    qs = Participant.objects.filter(person_id=person_id, attendance=Attendance.PRESENT)
    if since:
        qs = qs.filter(meeting__starts_at__date__gte=since)
    if until:
        qs = qs.filter(meeting__starts_at__date__lte=until)
    return qs.count()


register_source("requests", requests_handled, label=_("办结诉求（件）"))
register_source("meetings", meetings_attended, label=_("参加议事会议（次）"))
