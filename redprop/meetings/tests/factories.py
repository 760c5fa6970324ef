"""Building meeting state through the services, as a user would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.accounts.choices import Role
from redprop.meetings import services
from redprop.meetings.recurrence import zone


def at(y: int, m: int, d: int, h: int = 9, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=zone())


def consultation(w: Any, *, starts_on: dt.date = dt.date(2026, 1, 1), **kw: Any) -> Any:
    """逢四说事 of community A, convened by its desk, the company and water invited."""
    return services.series_create(
        community=w.community,
        name="红星社区逢四说事",
        convener=w.users[Role.COMMUNITY_STAFF],
        acting_user=w.users[Role.COMMUNITY_STAFF],
        starts_on=starts_on,
        start_time=dt.time(9, 30),
        invited_orgs=[w.company, w.water],
        invited_people=[w.resident],
        **kw,
    )
