"""Property: counting a stored vote gives what ``counting.tally`` gives on the same
inputs, derived here independently of the electorate freeze (owner sets, developer,
area precedence) and of the ballot history (the last ballot of each head counts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redprop.accounts.choices import Role
from redprop.accounts.models import User
from redprop.conftest import build_world
from redprop.orgs.choices import OrgKind
from redprop.orgs.models import OrgMembership
from redprop.orgs.services import org_create
from redprop.people.services import person_create
from redprop.territory import services as territory
from redprop.territory.models import Ownership, Unit
from redprop.votes import counting, selectors, services
from redprop.votes.models import AreaRecord
from redprop.votes.tests.helpers import pdf

pytestmark = pytest.mark.django_db

SOURCES = ("register", "survey", "contract")
PEOPLE = 4
DEV = "dev"

area = st.integers(min_value=1, max_value=99_999).map(lambda c: Decimal(c) / 100)
unit_spec = st.fixed_dictionaries(
    {
        "owners": st.one_of(
            st.just(DEV), st.frozensets(st.integers(0, PEOPLE - 1), min_size=1, max_size=2)
        ),
        "areas": st.dictionaries(st.sampled_from(SOURCES), area, min_size=1),
    }
)
ballot_spec = st.tuples(
    st.integers(0, 7), st.sampled_from(["agree", "disagree", "abstain", "blank", "invalid"])
)


class Rollback(Exception):
    pass


@pytest.fixture
def base():
    w = build_world()
    compound = territory.compound_create(
        community=w.community, name="性质小区", management_type="self_managed", acting_user=None
    )
    building = territory.building_create(
        compound=compound, name="1栋", grid=w.grid, acting_user=None
    )
    dev = org_create(kind=OrgKind.DEVELOPER, name="性质开发", place=w.community, acting_user=None)
    people, users = [], []
    for i in range(PEOPLE):
        p = person_create(name=f"业主{i}", acting_user=None)
        people.append(p)
        users.append(User.objects.create(username=f"prop-{i}", person=p))
    dev_person = person_create(name="开发商代表", acting_user=None)
    OrgMembership.objects.create(org=dev, person=dev_person)
    dev_user = User.objects.create(username="prop-dev", person=dev_person)
    return {
        "staff": w.users[Role.COMMUNITY_STAFF],
        "compound": compound,
        "building": building,
        "dev": dev,
        "people": people,
        "users": users,
        "dev_user": dev_user,
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    item=st.integers(1, 9),
    units=st.lists(unit_spec, min_size=1, max_size=8),
    ballots=st.lists(ballot_spec, max_size=12),
    blank=st.sampled_from(["participates", "excluded"]),
    invalid=st.sampled_from(["participates", "excluded"]),
)
def test_stored_tally_equals_counting(base, item, units, ballots, blank, invalid):
    try:
        with transaction.atomic():
            _check(base, item, units, ballots, blank, invalid)
            raise Rollback
    except Rollback:
        pass


def _check(base, item, units, ballots, blank, invalid):
    made = []
    for i, spec in enumerate(units):
        u = Unit(
            building=base["building"],
            compound=base["compound"],
            label=f"{i + 1}01",
            floor_area=Decimal("999999.99"),
            exclusive_area=Decimal("999999.99"),
            developer_unsold=spec["owners"] == DEV,
        )
        u.set_place(base["building"])
        u.save()
        if spec["owners"] == DEV:
            Ownership.objects.create(unit=u, developer=base["dev"])
        else:
            for k in spec["owners"]:
                Ownership.objects.create(unit=u, person=base["people"][k])
        for src, a in spec["areas"].items():
            AreaRecord.objects.create(unit=u, source=src, area=a)
        made.append(u)
    vote = services.vote_create(
        acting_user=base["staff"],
        scope=base["compound"],
        item=item,
        title="性质测试",
        blank_rule=blank,
        invalid_rule=invalid,
        territory_area_source="",
    )
    vote = services.vote_open(vote=vote, acting_user=base["staff"])

    def head(spec):
        return DEV if spec["owners"] == DEV else "&".join(map(str, sorted(spec["owners"])))

    last: dict[str, counting.Choice] = {}
    for idx, choice in ballots:
        idx %= len(units)
        spec, unit = units[idx], made[idx]
        h = head(spec)
        if choice in ("blank", "invalid") or (h == DEV and idx % 2):
            services.ballot_enter(
                vote=vote, acting_user=base["staff"], unit_id=unit.pk, choice=choice, document=pdf()
            )
        else:
            user = base["dev_user"] if h == DEV else base["users"][min(spec["owners"])]
            services.ballot_cast(vote=vote, acting_user=user, ballots=[(unit.pk, choice)])
        last[h] = counting.Choice(choice)

    def pick(areas):
        for src in SOURCES:
            if src in areas:
                return {counting.AreaSource(src): areas[src]}
        raise AssertionError

    expected = counting.tally(
        item=item,
        units=[
            counting.UnitRecord(str(i), head(spec), pick(spec["areas"]))
            for i, spec in enumerate(units)
        ],
        ballots=last,
        rules=counting.CountingRules(counting.BlankRule(blank), counting.BlankRule(invalid)),
    )
    got = selectors.vote_tally(vote=vote)
    fields = [
        "total_area",
        "total_heads",
        "participating_area",
        "participating_heads",
        "agree_area",
        "agree_heads",
        "disagree_area",
        "disagree_heads",
        "abstain_area",
        "abstain_heads",
        "quorum_met",
        "passed",
    ]
    for f in fields:
        assert getattr(got, f) == getattr(expected, f), f
    assert sorted(got.area_sources.values()) == sorted(expected.area_sources.values())
