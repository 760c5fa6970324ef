"""Build a volunteer world through the services, as a user would."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.volunteers import services as vs
from redprop.volunteers.choices import TeamKind
from redprop.volunteers.defaults import install_default_skills
from redprop.volunteers.models import Skill


def volunteer_world(w: Any, *, starts_in: dt.timedelta = dt.timedelta(minutes=-5)) -> dict:
    """Community A's alliance, the world's resident as its volunteer, one published
    activity that started five minutes ago (or ``starts_in`` from now)."""
    install_default_skills(Skill)
    staff = w.users[Role.COMMUNITY_STAFF]
    team = vs.team_create(
        community_id=w.community.pk,
        name="红星社区居民服务联盟",
        kind=TeamKind.ALLIANCE,
        acting_user=staff,
    )
    vol = vs.volunteer_join(skills=["sewing", "haircut"], acting_user=w.users[Role.RESIDENT])
    activity = published(w, team, starts_in=starts_in)
    return {"team": team, "volunteer": vol, "activity": activity, "staff": staff}


def published(
    w: Any,
    team: Any,
    *,
    starts_in: dt.timedelta = dt.timedelta(minutes=-5),
    capacity: int = 10,
    title: str = "每周环境清扫",
) -> Any:
    staff = w.users[Role.COMMUNITY_STAFF]
    start = timezone.now() + starts_in
    a = vs.activity_create(
        team_id=team.pk,
        title=title,
        place="幸福小区中心广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=capacity,
        skills=["cleaning"],
        acting_user=staff,
    )
    return vs.activity_transition(activity_id=a.pk, action="publish", acting_user=staff)
