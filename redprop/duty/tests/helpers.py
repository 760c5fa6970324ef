"""Build roster fixtures through the services, as a company's desk would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.accounts.services import role_grant, user_create
from redprop.duty import services
from redprop.duty.choices import ALL_WEEK, Duty, ShiftKind
from redprop.orgs.services import org_add_member
from redprop.people.services import person_create

MONDAY = dt.date(2026, 1, 5)


def worker(world: Any, username: str, *, grid: Any = None, org: Any = None) -> User:
    """A maintenance worker on ``org``'s staff (a current membership of their person),
    holding the maintenance role of ``grid`` if given."""
    person = person_create(name=username[:8], acting_user=None)
    user = user_create(
        username=username, password=None, display_name=username, person=person, acting_user=None
    )
    org_add_member(org=org or world.company, person=person, position="维修人员", acting_user=None)
    if grid is not None:
        role_grant(user=user, role=Role.MAINTENANCE_WORKER, grid=grid, acting_user=None)
    return User.objects.get(pk=user.pk)


def shift(
    world: Any,
    user: Any,
    place: Any,
    start: str,
    end: str,
    *,
    kind: str = ShiftKind.REGULAR,
    org: Any = None,
    acting_user: Any = None,
    **kw: Any,
) -> Any:
    return services.shift_create(
        org=org or world.company,
        user=user,
        place=place,
        duty=kw.pop("duty", Duty.MAINTENANCE),
        kind=kind,
        starts_at=dt.time.fromisoformat(start),
        ends_at=dt.time.fromisoformat(end),
        effective_from=kw.pop("effective_from", MONDAY),
        weekdays=kw.pop("weekdays", ALL_WEEK),
        acting_user=acting_user,
        **kw,
    )
