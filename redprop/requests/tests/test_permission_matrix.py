"""Every state change × every role, scope and relationship, through the API and the pages.

The list of steps comes from the code: ``workflow.ACTIONS`` must cover every edge of
``choices.TRANSITIONS`` and each action must have a row in ``STEPS`` below, so a new
transition without an entry here fails ``test_every_transition_has_a_probe``.

For each state some step starts from, a request is brought to that state through
the services (as users would); then every actor opens its page (which must offer
exactly the steps allowed to them) and tries every step that starts from that state,
through the API and through the page's form — each inside a savepoint that is
rolled back, so each probe starts from the same request. The expectation is written
here, independently of ``permissions.py``:

* allowed → 200 (API) / 302 (page), and the state changed;
* refused → 404 when the actor may not even see the request (scope), 403 when they
  may see it but their relationship does not allow the step, 409 when the
  relationship allows it in other states only; and nothing changed (status,
  version, events).

docs/security.md "Request relationships" lists the actors and counts the probes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from redprop.accounts.choices import Role
from redprop.accounts.services import role_grant, user_create
from redprop.conftest import PASSWORD
from redprop.orgs.services import org_add_member
from redprop.people.services import person_create
from redprop.requests import services, workflow
from redprop.requests.choices import Status
from redprop.requests.models import Category, RequestEvent, ServiceRequest
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db

S = Status

# --- the actors -------------------------------------------------------------------------------
# name → (roles of the world fixture or built here, as a description)
ACTORS = [
    "reporter",  # the resident who filed it
    "follower",  # a resident of the compound following it (一起关注)
    "neighbour",  # a resident of the same compound, not following
    "resident_b",  # a resident of another compound (another street)
    "street_follower",  # a street officer of this street who lives in the compound, following
    "grid_butler",  # 物业管家 of the request's grid (the compound's company)
    "maintenance_worker",  # 维修人员 of the request's grid, the assignee once dispatched
    "rival_worker",  # a maintenance worker on the same grid employed by another company
    "grid2_worker",  # the maintenance worker of a sibling grid of the same community
    "gridb_worker",  # the maintenance worker of a grid in another street
    "company_staff",  # the compound's company (the handling unit once dispatched)
    "company_b_staff",  # another property company
    "unit_staff",  # a co-building unit (the water company)
    "community_staff",  # the community's dispatcher
    "sibling_community_staff",  # staff of another community of the same street
    "street_officer",  # the street's officer
    "street_b",  # the officer of a sibling street
    "housing_bureau",  # the city's housing bureau (sees, does not act)
    "sysadmin",
    "nobody",  # a login without a role
]

DISPATCHERS = {"community_staff", "street_officer", "street_follower", "sysadmin"}
HANDLERS = {"grid_butler", "maintenance_worker", "company_staff", "sysadmin"}
REPORTERS = {"reporter"}


def visible(actor: str, r: ServiceRequest, world: Any) -> bool:
    """Whether ``actor`` may see ``r`` at all (else every step is 404)."""
    always = {
        "reporter",
        "follower",
        "street_follower",
        "grid_butler",
        "maintenance_worker",
        "rival_worker",
        "community_staff",
        "street_officer",
        "housing_bureau",
        "sysadmin",
    }
    if actor in always:
        return True
    if actor == "company_staff":
        return r.handling_org_id == world.company.pk
    return False


@dataclass(frozen=True)
class Step:
    """How to take one action: through the API and through the page's form."""

    api: str
    payload: Callable[[Any, ServiceRequest], dict[str, Any]]
    form: Callable[[Any, ServiceRequest], dict[str, Any]]
    allowed: Callable[[str, str], bool]  # (actor, from state) → expected allowed


def _dispatchers(actor: str, state: str) -> bool:
    return actor in DISPATCHERS


def _handlers(actor: str, state: str) -> bool:
    return actor in HANDLERS


def _plan_time(world: Any, r: ServiceRequest) -> dt.datetime:
    return timezone.localtime(timezone.now() + dt.timedelta(days=2)).replace(
        second=0, microsecond=0
    )


def _other(world: Any, r: ServiceRequest) -> ServiceRequest:
    return world.survivor


STEPS: dict[str, Step] = {
    "dispatch": Step(
        "dispatch",
        lambda w, r: {"org_id": w.company.pk},
        lambda w, r: {"dispatch-org": w.company.pk},
        _dispatchers,
    ),
    "accept": Step("accept", lambda w, r: {}, lambda w, r: {}, _handlers),
    "return": Step(
        "return",
        lambda w, r: {"reason": "不属于本单位职责"},
        lambda w, r: {"return-reason": "不属于本单位职责"},
        _handlers,
    ),
    "arrive": Step("arrive", lambda w, r: {}, lambda w, r: {}, _handlers),
    "require_plan": Step(
        "require-plan",
        lambda w, r: {"reason": "需更换整段管道"},
        lambda w, r: {"require_plan-reason": "需更换整段管道"},
        _handlers,
    ),
    "submit_plan": Step(
        "plan",
        lambda w, r: {"plan": "更换整段排水管道", "resolve_by": _plan_time(w, r).isoformat()},
        lambda w, r: {
            "submit_plan-plan": "更换整段排水管道",
            "submit_plan-resolve_by": _plan_time(w, r).strftime("%Y-%m-%dT%H:%M"),
        },
        _handlers,
    ),
    "pause": Step(
        "pause",
        lambda w, r: {"reason": "居民不在家"},
        lambda w, r: {"pause-reason": "居民不在家"},
        _handlers,
    ),
    "resume": Step("resume", lambda w, r: {}, lambda w, r: {}, _handlers),
    "resolve": Step(
        "resolve",
        lambda w, r: {"note": "已疏通下水管道"},
        lambda w, r: {"resolve-note": "已疏通下水管道"},
        _handlers,
    ),
    "rate": Step(
        "rate",
        lambda w, r: {"score": 1, "solved": False},
        lambda w, r: {"rate-score": "1", "rate-solved": "no"},
        lambda actor, state: actor in REPORTERS,
    ),
    "revisit": Step(
        "revisit",
        lambda w, r: {"solved": True, "score": 5},
        lambda w, r: {"revisit-solved": "yes", "revisit-score": "5"},
        _dispatchers,
    ),
    "reopen": Step(
        "reopen",
        lambda w, r: {"reason": "又堵了"},
        lambda w, r: {"reopen-reason": "又堵了"},
        lambda actor, state: actor in REPORTERS | DISPATCHERS,
    ),
    "close": Step("close", lambda w, r: {}, lambda w, r: {}, _dispatchers),
    "cancel": Step(
        "cancel",
        lambda w, r: {"reason": "重复反映"},
        lambda w, r: {"cancel-reason": "重复反映"},
        lambda actor, state: (
            actor in DISPATCHERS
            or (actor in REPORTERS and state in {S.SUBMITTED, S.DISPATCHED, S.RETURNED})
        ),
    ),
    "merge": Step(
        "merge",
        lambda w, r: {"into_id": _other(w, r).pk},
        lambda w, r: {"merge-into": _other(w, r).number},
        _dispatchers,
    ),
    "escalate": Step(
        "escalate",
        lambda w, r: {"reason": "涉及多个部门"},
        lambda w, r: {"escalate-reason": "涉及多个部门"},
        lambda actor, state: (
            actor in DISPATCHERS or (actor in HANDLERS and state not in {S.SUBMITTED, S.RETURNED})
        ),
    ),
}

# Refused in this state only, the relationship being right: the state machine answers.
CONFLICTS = {
    ("cancel", "reporter", S.ESCALATED),  # after a unit could have accepted it
    # The unit handed it back: it may no longer escalate it.
    *(("escalate", a, S.RETURNED) for a in ("grid_butler", "maintenance_worker", "company_staff")),
}


# --- the world of the probes ---------------------------------------------------------------


def _user(world: Any, name: str, *, person: Any = None, **roles: dict[str, Any]) -> Any:
    user = user_create(username=f"m_{name}", password=PASSWORD, person=person, acting_user=None)
    for role, anchor in roles.items():
        role_grant(user=user, role=role, acting_user=None, **anchor)
    world.users[name] = user
    return user


def _home_in_compound(world: Any, name: str, label: str) -> Any:
    person = person_create(name=name, acting_user=None)
    unit = territory.unit_create(
        building=world.building_2, label=label, floor_area="80", owners=[person], acting_user=None
    )
    territory.occupancy_add(unit=unit, person=person, acting_user=None)
    return person


def cast(world: Any) -> None:
    """The actors the world fixture lacks."""
    world.users["reporter"] = world.users[Role.RESIDENT]
    p = _home_in_compound(world, "赵小红", "2栋101")
    _user(world, "follower", person=p, resident={"person": p})
    p = _home_in_compound(world, "钱大妈", "2栋102")
    _user(world, "neighbour", person=p, resident={"person": p})
    _user(world, "resident_b", person=world.resident_b, resident={"person": world.resident_b})
    p = _home_in_compound(world, "孙主任", "2栋103")
    _user(
        world,
        "street_follower",
        person=p,
        resident={"person": p},
        street_officer={"region": world.street},
    )
    p = person_create(name="周师傅", acting_user=None)
    _user(world, "rival_worker", person=p, maintenance_worker={"grid": world.grid})
    org_add_member(org=world.company_b, person=p, acting_user=None)
    _user(world, "grid2_worker", maintenance_worker={"grid": world.grid_2})
    _user(world, "gridb_worker", maintenance_worker={"grid": world.grid_b})
    _user(world, "company_b_staff", company_staff={"org": world.company_b})
    sibling = territory.region_create(
        level="community", name="径河二社区", code="T1-1-1-2", parent=world.street, acting_user=None
    )
    _user(world, "sibling_community_staff", community_staff={"region": sibling})


def _file(world: Any, description: str = "厨房下水道堵塞，污水倒灌") -> ServiceRequest:
    return services.request_file(
        acting_user=world.users["reporter"],
        category=Category.objects.get(code="pipe_dredging"),
        description=description,
        unit=world.unit,
    )


def _dispatch(w: Any, r: ServiceRequest) -> Any:
    return services.request_dispatch(
        request=r, org=w.company, acting_user=w.users["community_staff"]
    )


def _accept(w: Any, r: ServiceRequest) -> Any:
    return services.request_accept(request=r, acting_user=w.users["maintenance_worker"])


def _resolve(w: Any, r: ServiceRequest) -> Any:
    return services.request_resolve(
        request=r, note="已疏通", acting_user=w.users["maintenance_worker"]
    )


def _require_plan(w: Any, r: ServiceRequest) -> Any:
    return services.request_require_plan(
        request=r, reason="复杂", acting_user=w.users["maintenance_worker"]
    )


# How each state is reached through the services, from a new request.
PATHS: dict[str, list[Callable[[Any, ServiceRequest], Any]]] = {
    S.SUBMITTED: [],
    S.DISPATCHED: [_dispatch],
    S.RETURNED: [
        _dispatch,
        lambda w, r: services.request_return(
            request=r, reason="不归我们", acting_user=w.users["maintenance_worker"]
        ),
    ],
    S.ACCEPTED: [_dispatch, _accept],
    S.ON_SITE: [
        _dispatch,
        _accept,
        lambda w, r: services.request_arrive(request=r, acting_user=w.users["maintenance_worker"]),
    ],
    S.PLAN_REQUIRED: [_dispatch, _accept, _require_plan],
    S.PLAN_SUBMITTED: [
        _dispatch,
        _accept,
        _require_plan,
        lambda w, r: services.request_submit_plan(
            request=r,
            plan="更换整段管道",
            resolve_by=timezone.now() + dt.timedelta(days=3),
            acting_user=w.users["maintenance_worker"],
        ),
    ],
    S.WAITING_ON_RESIDENT: [
        _dispatch,
        _accept,
        lambda w, r: services.request_pause(
            request=r, reason="不在家", acting_user=w.users["maintenance_worker"]
        ),
    ],
    S.RESOLVED: [_dispatch, _accept, _resolve],
    S.RATED: [
        _dispatch,
        _accept,
        _resolve,
        lambda w, r: services.request_rate(
            request=r, score=4, solved=True, acting_user=w.users["reporter"]
        ),
    ],
    S.REOPENED: [
        _dispatch,
        _accept,
        _resolve,
        lambda w, r: services.request_reopen(
            request=r, reason="又堵了", acting_user=w.users["reporter"]
        ),
    ],
    S.ESCALATED: [
        lambda w, r: services.request_escalate(
            request=r, reason="协调不了", acting_user=w.users["community_staff"]
        )
    ],
}


def bring_to(world: Any, state: str) -> ServiceRequest:
    """A request in ``state``, reached through the services, followed by the follower
    and the street officer who lives in the compound; and a second open request of
    the same compound (the merge target)."""
    r = _file(world)
    services.request_follow(request=r, acting_user=world.users["follower"])
    services.request_follow(request=r, acting_user=world.users["street_follower"])
    for step in PATHS[state]:
        step(world, r)
        r.refresh_from_db()
    assert r.status == state
    world.survivor = _file(world, "厨房下水道也堵了")
    return r


def _snapshot(r: ServiceRequest) -> tuple[Any, ...]:
    fresh = ServiceRequest.objects.get(pk=r.pk)
    return (fresh.status, fresh.version, RequestEvent.objects.filter(request=r).count())


def expected(action: str, actor: str, state: str, r: ServiceRequest, world: Any) -> int:
    """200 allowed; else 404 / 403 / 409 (see the module docstring)."""
    if actor == "nobody":
        return 0  # no role: 404 (API) / the no-role page 403 (pages); see the probes
    if not visible(actor, r, world):
        return 404
    if (action, actor, state) in CONFLICTS:
        return 409
    return 200 if STEPS[action].allowed(actor, state) else 403


CASES = sorted((a.name, s) for a in workflow.ACTIONS.values() for s in a.sources)
STATES = sorted({state for _action, state in CASES})
OFFERED = re.compile(r'action="/r/\d+/do/([a-z_]+)/"')


def test_every_transition_has_a_probe():
    """A new edge in TRANSITIONS needs an action in workflow.ACTIONS, and a new action
    needs a row in STEPS here: otherwise this fails."""
    missing = workflow.transition_edges() - workflow.edges()
    assert not missing, f"edges of TRANSITIONS without an action: {sorted(missing)}"
    extra = workflow.edges() - workflow.transition_edges()
    assert not extra, f"actions outside TRANSITIONS: {sorted(extra)}"
    assert set(STEPS) == set(workflow.ACTIONS)
    for action in workflow.ACTIONS.values():
        assert hasattr(services, f"request_{action.service}"), action.service
    # Every state a step starts from is one bring_to() reaches (below).
    assert set(STATES) <= set(PATHS)


def _probe(world: Any, c: Client, channel: str, action: str, r: ServiceRequest) -> int:
    step = STEPS[action]
    if channel == "api":
        resp = c.post(
            f"/api/v1/requests/{r.pk}/{step.api}",
            step.payload(world, r),
            content_type="application/json",
        )
    else:
        resp = c.post(f"/r/{r.pk}/do/{action}/", step.form(world, r))
    return resp.status_code


@pytest.mark.parametrize("state", STATES)
def test_every_step_by_role_scope_and_relationship(world, state):
    """From ``state``: for every actor, the page offers exactly the allowed steps; and
    every step that starts from ``state`` is tried through the API and the page."""
    cast(world)
    r = bring_to(world, state)
    before = _snapshot(r)
    actions = [a for a, s in CASES if s == state]
    failures = []
    counts = {"api": 0, "page": 0, "offer": 0}
    for actor in ACTORS:
        c = Client()
        c.force_login(world.users[actor])
        wants = {a: expected(a, actor, state, r, world) for a in actions}
        if actor != "nobody":
            page = c.get(f"/r/{r.pk}/")
            offered = (
                set(OFFERED.findall(page.content.decode())) if page.status_code == 200 else set()
            )
            for a in actions:
                counts["offer"] += 1
                if (a in offered) != (wants[a] == 200):
                    failures.append(f"{actor}: page offers {a}={a in offered}, expected {wants[a]}")
            unexpected = offered - set(actions)
            if unexpected:
                failures.append(f"{actor}: page offers steps not from {state}: {unexpected}")
        for action in actions:
            for channel, ok_code in (("api", 200), ("page", 302)):
                want = wants[action]
                if actor == "nobody":
                    want = 404 if channel == "api" else 403
                sid = transaction.savepoint()
                try:
                    got = _probe(world, c, channel, action, r)
                    counts[channel] += 1
                    changed = _snapshot(r) != before
                finally:
                    transaction.savepoint_rollback(sid)
                where = f"{actor} {action} via {channel}"
                if want == 200:
                    if got != ok_code or not changed:
                        failures.append(f"{where}: expected success, got {got}")
                elif got != want or changed:
                    failures.append(f"{where}: expected {want}, got {got}, changed={changed}")
    assert not failures, f"from {state}:\n" + "\n".join(failures)
    # Every action from this state, for every actor, through both channels.
    assert counts == {
        "api": len(actions) * len(ACTORS),
        "page": len(actions) * len(ACTORS),
        "offer": len(actions) * (len(ACTORS) - 1),
    }
