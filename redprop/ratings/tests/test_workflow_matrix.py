"""Every action of the rating table × every state it starts from × every principal:
the relationship the table names succeeds; a principal related to the action in
another state gets 409; one who sees the assessment but is not related gets 403; one
who does not see it gets 404. The list of cases comes from the table itself."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from redprop.conftest import build_siblings
from redprop.core.errors import ApplicationError
from redprop.ratings import permissions, services
from redprop.ratings.choices import Stage
from redprop.ratings.models import Assessment, Criterion
from redprop.ratings.workflow import WORKFLOW

pytestmark = pytest.mark.django_db

PRINCIPALS = [
    "company_staff",
    "community_staff",
    "housing_bureau",
    "street_officer",
    "sysadmin",
    "resident",
    "company_staff@b",
    "community_staff@b",
    "housing_bureau@b",
]


def _user(world: Any, principal: str) -> Any:
    role, _sep, where = principal.partition("@")
    return world.siblings[role] if where else world.users[role]


def _scores(world: Any, role: str, a: Assessment) -> None:
    typed = Criterion.objects.filter(cycle=a.cycle, metric="")
    services.scores_save(
        acting_user=world.users[role], assessment_id=a.pk, scores={c.code: "3" for c in typed}
    )


def bring_to(world: Any, a: Assessment, stage: str) -> Assessment:
    path = [
        (Stage.SELF, "company_staff", "submit"),
        (Stage.COMMUNITY, "community_staff", "forward"),
        (Stage.BUREAU, "housing_bureau", "certify"),
    ]
    for at, role, action in path:
        if a.stage == stage:
            return a
        assert a.stage == at
        _scores(world, role, a)
        a = services.transition(acting_user=world.users[role], assessment_id=a.pk, action=action)
    assert a.stage == stage
    return a


CASES = sorted((a.name, s) for a in WORKFLOW.actions.values() for s in a.sources)


def test_the_table_covers_the_transition_map():
    assert WORKFLOW.check() == []


@pytest.mark.parametrize(("action", "state"), CASES)
def test_action_from_state_for_every_principal(world, action, state):
    build_siblings(world)
    cycle = services.cycle_open(
        acting_user=world.users["housing_bureau"],
        city_id=world.city.pk,
        year=timezone.localdate().year,
    )
    a = bring_to(world, Assessment.objects.get(cycle=cycle, company=world.company), state)
    if state in ("self", "community", "bureau"):  # the stage's scorer has scored
        role = {"self": "company_staff", "community": "community_staff", "bureau": "housing_bureau"}
        if not a.scores.filter(stage=state).exists():
            _scores(world, role[state], a)
    outcomes = {}
    for principal in PRINCIPALS:
        user = _user(world, principal)
        a.refresh_from_db()
        if WORKFLOW.allowed(action, user, a):
            expected = 200
        elif not permissions.can_view(user, a):
            expected = 404
        elif WORKFLOW.related(action, user, a):
            expected = 409
        else:
            expected = 403
        sid = transaction.savepoint()
        try:
            services.transition(
                acting_user=user, assessment_id=a.pk, action=action, reason="矩阵测试原因"
            )
            got = 200
        except ApplicationError as err:
            got = err.status
        finally:
            transaction.savepoint_rollback(sid)
        outcomes[principal] = (expected, got)
    wrong = {p: o for p, o in outcomes.items() if o[0] != o[1]}
    assert not wrong, wrong
    # Someone may take every action from every state it starts from.
    assert any(o == (200, 200) for o in outcomes.values()), outcomes
