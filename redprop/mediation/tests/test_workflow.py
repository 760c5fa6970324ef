"""The action table: it covers exactly the state map, and every action is refused (409,
nothing written) from a state outside its sources, and (403) to a user who sees the case
but holds no relationship that may take it."""

import pytest

from redprop.accounts.choices import Role
from redprop.mediation import services, workflow
from redprop.mediation.choices import TRANSITIONS, Status
from redprop.mediation.models import CaseEvent
from redprop.mediation.tests.helpers import petition

pytestmark = pytest.mark.django_db

BODIES = {
    "assign": ("mediators", {"kind": "lawyer", "name": "张律师"}),
    "accept": ("accept", {}),
    "decline": ("decline", {"reason": "不属于受理范围"}),
    "session": (
        "sessions",
        {
            "held_at": "2030-01-01T10:00:00+08:00",
            "place": "议事厅",
            "attendance": "双方",
            "notes": "记录",
        },
    ),
    "agree": ("agree", {"text": "协议", "follow_up_on": "2030-01-01"}),
    "follow_up": ("follow-up", {"kept": True, "note": "已履行"}),
    "answer": ("answer", {"text": "答复"}),
    "refer": ("refer", {"to": "court", "note": "移交"}),
    "withdraw": ("withdraw", {"reason": "撤回"}),
    "extend": ("extend", {"days": 10, "reason": "延期"}),
    "rate": ("rate", {"score": 5}),
}


def test_the_table_covers_exactly_the_state_map():
    assert workflow.edges() == workflow.transition_edges()
    assert set(TRANSITIONS) == set(Status.values)
    assert set(workflow.ACTIONS) - {"sign"} == set(BODIES)


def test_every_action_from_a_state_outside_its_sources_is_a_409(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    registered = petition(world)
    answered = petition(world)
    services.case_accept(case=answered, acting_user=staff)
    services.case_answer(case=answered, text="已答复", acting_user=staff)
    client = world.client(Role.COMMUNITY_STAFF)
    resident = world.client(Role.RESIDENT)
    checked = 0
    for name, (path, body) in BODIES.items():
        action = workflow.ACTIONS[name]
        for case in (registered, answered):
            case.refresh_from_db()
            if case.status in action.sources:
                continue
            who = resident if set(action.who) <= {"party", "applicant"} else client
            before = CaseEvent.objects.count()
            resp = who.post(
                f"/api/v1/mediation/cases/{case.pk}/{path}", body, content_type="application/json"
            )
            # Either the state refuses (409) or, for a body the service judges first,
            # a 400: never a success, never a write.
            assert resp.status_code in (400, 409), (name, case.status, resp.content)
            assert CaseEvent.objects.count() == before
            checked += 1
    assert checked >= len(BODIES)


def test_a_party_who_may_not_take_a_step_is_refused_403(world):
    case = petition(world)
    resident = world.client(Role.RESIDENT)
    for name in ("accept", "decline", "assign"):
        path, body = BODIES[name]
        resp = resident.post(
            f"/api/v1/mediation/cases/{case.pk}/{path}", body, content_type="application/json"
        )
        assert resp.status_code == 403, (name, resp.content)
    case.refresh_from_db()
    assert case.status == "registered"
