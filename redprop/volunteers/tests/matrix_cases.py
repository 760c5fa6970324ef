"""The permission matrix's entries for 志愿服务 (matrix_base): every page and API route.

Scope A: community A's alliance with the world's resident as its volunteer; four
published activities: ``open`` (tomorrow, not signed up), ``live`` (started, signed up,
not checked in), ``inprog`` (checked in) and ``done`` (checked out: hours pending).
Organisers are community A's staff and the system administrator; the street office
and the housing bureau only read; the resident volunteers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.tests.matrix_base import Case

RESIDENT = frozenset({Role.RESIDENT})
ORGANISERS = frozenset({Role.COMMUNITY_STAFF, Role.SYSADMIN})
OVERSEERS = frozenset({Role.STREET_OFFICER, Role.HOUSING_BUREAU})
PAGE = RESIDENT | ORGANISERS | OVERSEERS
STAFF = ORGANISERS | OVERSEERS
# Who sees an activity of scope A (their refusal of a step may be a 403).
SEEN = PAGE


def build(fx: Any) -> None:
    from redprop.volunteers import services as vs
    from redprop.volunteers.choices import TeamKind
    from redprop.volunteers.defaults import install_default_skills
    from redprop.volunteers.models import Skill

    install_default_skills(Skill)
    u = fx.w.users
    staff, res = u[Role.COMMUNITY_STAFF], u[Role.RESIDENT]
    team = vs.team_create(
        community_id=fx.w.community.pk,
        name="MXA-居民服务联盟",
        kind=TeamKind.ALLIANCE,
        acting_user=staff,
    )
    vs.volunteer_join(skills=["sewing"], acting_user=res)
    # The sibling resident volunteers in community B (their own record, nothing of A).
    vs.volunteer_join(acting_user=fx.w.siblings[Role.RESIDENT])

    def activity(name: str, starts_in: dt.timedelta) -> Any:
        start = timezone.now() + starts_in
        a = vs.activity_create(
            team_id=team.pk,
            title=f"MXA-{name}",
            place="MXA-广场",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            capacity=20,
            acting_user=staff,
        )
        return vs.activity_transition(activity_id=a.pk, action="publish", acting_user=staff)

    started = dt.timedelta(minutes=-5)
    acts = {
        "open": activity("清扫", dt.timedelta(days=1)),
        "live": activity("探访", started),
        "inprog": activity("义剪", started),
        "done": activity("义诊", started),
    }
    signups = {
        k: vs.signup_create(activity_id=acts[k].pk, acting_user=res) for k in acts if k != "open"
    }
    vs.checkin(activity_id=acts["inprog"].pk, acting_user=res)
    vs.checkin(activity_id=acts["done"].pk, acting_user=res)
    record = vs.checkout(activity_id=acts["done"].pk, acting_user=res)
    for s in signups.values():
        s.refresh_from_db()
    fx.extra["volunteers"] = {
        "team": team,
        "acts": acts,
        "signups": signups,
        "record": record,
        "tokens": {
            "live": vs.activity_token(acts["live"]),
            "inprog": vs.activity_token(acts["inprog"]),
            "live_signup": vs.signup_token(signups["live"]),
            "inprog_signup": vs.signup_token(signups["inprog"]),
        },
    }


def _v(fx: Any) -> dict[str, Any]:
    return fx.extra["volunteers"]


def act(name: str, key: str = "pk") -> Any:
    return lambda fx: {key: _v(fx)["acts"][name].pk}


def _token(name: str) -> Any:
    return lambda fx: _v(fx)["tokens"][name]


def _scan(name: str) -> Any:
    return lambda fx: f"/volunteers/scan/{_v(fx)['tokens'][name]}/"


def _new_page(fx: Any) -> dict[str, Any]:
    start = timezone.localtime() + dt.timedelta(days=2)
    return {
        "team": str(_v(fx)["team"].pk),
        "title": "MXA-新活动",
        "place": "广场",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "5",
    }


def _new_api(fx: Any) -> dict[str, Any]:
    start = timezone.now() + dt.timedelta(days=2)
    return {
        "team_id": _v(fx)["team"].pk,
        "title": "MXA-新活动",
        "place": "广场",
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
        "capacity": 5,
    }


P = "POST"
FOUND = (302,)

TABLE: dict[str, list[Case]] = {
    # --- pages ---------------------------------------------------------------------------
    "volunteers:list": [Case(PAGE)],
    "volunteers:new": [Case(ORGANISERS, method=P, body=_new_page, ok=FOUND, names_a=True)],
    "volunteers:join": [Case(RESIDENT, method=P, ok=FOUND)],
    "volunteers:me": [Case(PAGE)],
    "volunteers:certificate": [Case(RESIDENT)],
    "volunteers:counts": [Case(STAFF)],
    "volunteers:scan": [
        Case(PAGE, path=_scan("live"), names_a=True, label="activity code"),
        Case(
            RESIDENT,
            method=P,
            path=_scan("live"),
            body={"direction": "checkin"},
            names_a=True,
            label="volunteer checks in",
        ),
        Case(
            ORGANISERS,
            method=P,
            path=_scan("live_signup"),
            body={"direction": "checkin"},
            names_a=True,
            label="organiser checks a volunteer in",
        ),
    ],
    "volunteers:detail": [Case(PAGE, args=act("live"))],
    "volunteers:signup": [Case(RESIDENT, method=P, args=act("open"), ok=FOUND, seen_by=SEEN)],
    "volunteers:withdraw": [Case(RESIDENT, method=P, args=act("live"), ok=FOUND, seen_by=SEEN)],
    "volunteers:step": [
        Case(
            ORGANISERS,
            method=P,
            args=lambda fx: {"pk": _v(fx)["acts"]["live"].pk, "action": "start"},
            ok=FOUND,
            seen_by=SEEN,
        )
    ],
    "volunteers:qr": [Case(RESIDENT | ORGANISERS, args=act("live"), seen_by=SEEN)],
    "volunteers:desk": [Case(ORGANISERS, args=act("live"), seen_by=SEEN)],
    "volunteers:approve_all": [
        Case(ORGANISERS, method=P, args=act("done"), ok=FOUND, seen_by=SEEN)
    ],
    "volunteers:credit": [
        Case(
            ORGANISERS,
            method=P,
            args=lambda fx: {
                "pk": _v(fx)["acts"]["inprog"].pk,
                "signup_id": _v(fx)["signups"]["inprog"].pk,
            },
            body={"hours": "1.5"},
            ok=FOUND,
            seen_by=SEEN,
        )
    ],
    "volunteers:hours_step": [
        Case(
            ORGANISERS,
            method=P,
            args=lambda fx: {
                "pk": _v(fx)["acts"]["done"].pk,
                "record_id": _v(fx)["record"].pk,
                "action": "approve",
            },
            ok=FOUND,
            seen_by=SEEN,
        )
    ],
    # --- API -----------------------------------------------------------------------------
    "api:volunteer_activities": [Case(PAGE)],
    "api:volunteer_activity_create": [
        Case(ORGANISERS, method=P, body=_new_api, ok=(201,), names_a=True)
    ],
    "api:volunteer_activity": [Case(PAGE, args=act("live", "activity_id"))],
    "api:volunteer_signup": [
        Case(RESIDENT, method=P, args=act("open", "activity_id"), seen_by=SEEN)
    ],
    "api:volunteer_withdraw": [
        Case(RESIDENT, method=P, args=act("live", "activity_id"), seen_by=SEEN)
    ],
    "api:volunteer_token": [
        Case(RESIDENT | ORGANISERS, args=act("live", "activity_id"), seen_by=SEEN)
    ],
    "api:volunteer_activity_action": [
        Case(
            ORGANISERS,
            method=P,
            args=lambda fx: {"activity_id": _v(fx)["acts"]["live"].pk, "action": "start"},
            seen_by=SEEN,
        )
    ],
    "api:volunteer_checkin": [
        Case(
            RESIDENT,
            method=P,
            body=lambda fx: {"token": _token("live")(fx)},
            names_a=True,
            label="activity code",
        ),
        Case(
            ORGANISERS,
            method=P,
            body=lambda fx: {"token": _token("live_signup")(fx)},
            names_a=True,
            label="volunteer's code",
        ),
    ],
    "api:volunteer_checkout": [
        Case(
            RESIDENT,
            method=P,
            body=lambda fx: {"token": _token("inprog")(fx)},
            names_a=True,
            label="activity code",
        ),
        Case(
            ORGANISERS,
            method=P,
            body=lambda fx: {"token": _token("inprog_signup")(fx)},
            names_a=True,
            label="volunteer's code",
        ),
    ],
    "api:volunteer_credit": [
        Case(
            ORGANISERS,
            method=P,
            args=lambda fx: {"signup_id": _v(fx)["signups"]["inprog"].pk},
            body={},
            seen_by=SEEN,
        )
    ],
    "api:volunteer_hours": [Case(PAGE)],
    "api:volunteer_hours_bulk": [
        Case(
            ORGANISERS,
            method=P,
            body=lambda fx: {"record_ids": [_v(fx)["record"].pk]},
            names_a=True,
        )
    ],
    "api:volunteer_hours_action": [
        Case(
            ORGANISERS,
            method=P,
            args=lambda fx: {"record_id": _v(fx)["record"].pk, "action": "approve"},
            seen_by=SEEN,
        )
    ],
    "api:volunteer_me": [Case(RESIDENT)],
    "api:volunteer_join": [Case(RESIDENT, method=P, ok=(201, 409))],
    "api:volunteer_counts": [Case(STAFF)],
    "api:volunteer_teams": [Case(PAGE)],
}
