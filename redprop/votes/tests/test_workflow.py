"""The vote workflow's table: it covers exactly the state map, and walking it from every
state, each relationship is offered exactly the actions the table gives it."""

from __future__ import annotations

import pytest

from redprop.accounts.choices import Role
from redprop.conftest import build_world
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import OrgMembership
from redprop.orgs.services import org_create
from redprop.votes import services
from redprop.votes.choices import VoteState
from redprop.votes.tests.helpers import build_place, pdf
from redprop.votes.workflow import ACTIONS, WORKFLOW

pytestmark = pytest.mark.django_db


def test_the_table_covers_the_state_map():
    assert WORKFLOW.check() == []


def _vote_in(state, staff, place):
    if state == VoteState.DRAFT:
        return services.vote_create(acting_user=staff, scope=place.compound, item=4, title="x")
    vote = services.open_vote(staff, scope=place.compound, item=4, title="x")
    if state == VoteState.CLOSED:
        vote = services.vote_close(vote=vote, acting_user=staff)
    elif state == VoteState.PUBLISHED:
        services.vote_close(vote=vote, acting_user=staff)
        vote = services.vote_publish(vote=vote, acting_user=staff)
    elif state == VoteState.CANCELLED:
        vote = services.vote_cancel(vote=vote, acting_user=staff)
    return vote


@pytest.mark.parametrize("state", list(VoteState))
def test_walking_the_table_from_every_state(state):
    w = build_world()
    place = build_place(w)
    staff = w.users[Role.COMMUNITY_STAFF]
    committee = org_create(
        kind=OrgKind.OWNERS_COMMITTEE,
        name="业委会",
        place=place.compound,
        compound=place.compound,
        acting_user=None,
    )
    OrgMembership.objects.create(org=committee, person=place.people["zhao"])
    vote = _vote_in(state, staff, place)
    proxy = w.users[Role.GRID_BUTLER]
    if state == VoteState.OPEN:
        services.proxy_register(
            vote=vote, acting_user=staff, unit_id=place.units["102"].pk, proxy=proxy, document=pdf()
        )
    who = {
        "organiser": staff,
        "owner": place.users["wang"],
        "committee": place.users["zhao"],
        "proxy": proxy,
        "outsider": w.users[Role.COMPANY_STAFF],
    }
    for rel, user in who.items():
        got = set(WORKFLOW.available(user, vote))
        expected = {
            name
            for name, a in ACTIONS.items()
            if state in a.sources
            and rel in a.who
            and (a.who[rel] is None or state in a.who[rel])
            and (a.offered_if is None or a.offered_if(vote))
        }
        assert got == expected, (state, rel, got, expected)
