import pytest

from redprop.core.errors import ApplicationError
from redprop.orgs.choices import PartyOrgKind
from redprop.orgs.models import PartyMembership
from redprop.orgs.services import (
    cross_appoint,
    org_create,
    party_committee_create,
    party_organise_company,
)
from redprop.people.services import person_create

pytestmark = pytest.mark.django_db


def members(n):
    return [person_create(name=f"党员{i}", acting_user=None) for i in range(n)]


def test_three_members_form_a_branch(world):
    committee = party_committee_create(
        community=world.community, name="红星社区党委", acting_user=None
    )
    branch = party_organise_company(
        company=world.company, members=members(3), committee=committee, acting_user=None
    )
    assert branch.kind == PartyOrgKind.BRANCH
    assert branch.parent == committee
    assert branch.host_org == world.company
    assert PartyMembership.objects.filter(party_org=branch).count() == 3


def test_fewer_members_join_the_community_committee(world):
    committee = party_committee_create(
        community=world.community, name="红星社区党委", acting_user=None
    )
    target = party_organise_company(
        company=world.company, members=members(2), committee=committee, acting_user=None
    )
    assert target == committee
    assert PartyMembership.objects.filter(party_org=committee, work_org=world.company).count() == 2


def test_cross_appointment_between_two_orgs(world):
    rc = org_create(
        kind="residents_committee", name="红星社区居委会", place=world.community, acting_user=None
    )
    p = members(1)[0]
    a = cross_appoint(
        person=p, home_org=world.company, seat_org=rc, position="兼职委员", acting_user=None
    )
    assert a.seat_org == rc
    with pytest.raises(ApplicationError):
        cross_appoint(person=p, home_org=rc, seat_org=rc, position="x", acting_user=None)


def test_owners_committee_needs_compound(world):
    with pytest.raises(ApplicationError) as exc:
        org_create(kind="owners_committee", name="业委会", place=world.community, acting_user=None)
    assert exc.value.field == "compound"
    oc = org_create(
        kind="owners_committee",
        name="幸福小区业委会",
        place=None,
        compound=world.compound,
        acting_user=None,
    )
    assert oc.community_id == world.community.pk
