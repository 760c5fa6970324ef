"""Shared helpers of the meetings services: constants and small checks. Imports none
of the other service modules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from redprop.core.errors import ApplicationError, ErrorCode, NotFound, PermissionDenied
from redprop.core.inputs import checked_text
from redprop.meetings import permissions
from redprop.meetings.choices import (
    Party,
)
from redprop.meetings.models import (
    Meeting,
)

CHECKIN_SALT = "redprop.meetings.checkin"
# How long a check-in link shown on screen stays good (the page shows a fresh one).
CHECKIN_MAX_AGE = dt.timedelta(minutes=10)
# Deadlines of a resolution: not before the meeting, at most two years on.
DEADLINE_MAX = dt.timedelta(days=730)

ORG_PARTY = {
    "residents_committee": Party.COMMUNITY,
    "street_office": Party.COMMUNITY,
    "property_company": Party.PROPERTY_COMPANY,
    "owners_committee": Party.OWNERS_COMMITTEE,
    "cobuilding_unit": Party.COBUILDING_UNIT,
}


# --- small checks -----------------------------------------------------------------------


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    return checked_text(value, field=field, max_length=limit, required=required)


def _aware(moment: dt.datetime, field: str) -> dt.datetime:
    if moment.tzinfo is None:
        raise ApplicationError(ErrorCode.VALIDATION, _("时间须带时区"), field=field)
    return moment


def _require_organiser(user: Any, meeting: Meeting) -> None:
    if not permissions.is_organiser(user, meeting):
        raise PermissionDenied(_("只有会议召集人或社区、街道工作人员可以操作"))


def _community_of(place: Any) -> Any:
    """The community Region of a community or a compound."""
    if getattr(place, "level", None) == "community":
        return place
    from redprop.territory.models import Region

    return Region.objects.get(pk=place.community_id)


def _lock_meeting(meeting: Meeting | int) -> Meeting:
    pk = meeting.pk if isinstance(meeting, Meeting) else meeting
    locked = Meeting.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound()
    return locked
