"""Party membership (党员组织关系) is sensitive personal information (PIPL art. 28): the
table names nobody in clear, the admin shows masked names, and "is X a member" is a
logged read through ``person_reveal`` (docs/adr/0028-party-building.md)."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from redprop.accounts.choices import Role
from redprop.core.errors import ApplicationError
from redprop.orgs.models import PartyMembership
from redprop.orgs.services import party_committee_create, party_organise_company
from redprop.people.models import PiiAccessLog
from redprop.people.party_identity import person_bidx
from redprop.people.services import person_create, person_reveal

pytestmark = pytest.mark.django_db

NAMES = ["欧阳红梅", "司马建华", "诸葛卫东"]


@pytest.fixture
def organised(world):
    committee = party_committee_create(
        community=world.community, name="中共红星社区委员会", acting_user=None
    )
    members = [person_create(name=n, place=world.unit, acting_user=None) for n in NAMES]
    branch = party_organise_company(
        company=world.company, members=members, committee=committee, acting_user=None
    )
    return branch, members


def test_raw_columns_name_nobody(organised):
    """Read the table as a database reader would: no person column, no name, no person
    id in any cell; only the blind index, the ciphertext and the masked name."""
    branch, members = organised
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM orgs_partymembership")
        columns = [c[0] for c in cur.description]
        rows = cur.fetchall()
    assert "person_id" not in columns
    assert len(rows) == 3
    raw = json.dumps([[str(v) for v in row] for row in rows], ensure_ascii=False)
    for p in members:
        assert p.name not in raw
        assert f'"person_id": {p.pk}' not in raw
    assert sorted(PartyMembership.objects.values_list("name_masked", flat=True)) == [
        "司***",
        "欧***",
        "诸***",
    ]
    # values() gives the same: no field holds a person id.
    for row in PartyMembership.objects.values():
        assert "person_id" not in row and "person" not in row
        assert row["person_bidx"] in {person_bidx(p.pk) for p in members}
    # The sealed identity decrypts back to the member (for the seed and the download).
    idents = {m._identity()["person_id"]: m._identity()["name"] for m in branch.memberships.all()}
    assert idents == {p.pk: p.name for p in members}


def test_one_organisational_relation_per_member(organised, world):
    """A member already organised cannot be organised again (the blind index is unique)."""
    from django.db import IntegrityError, transaction

    _, members = organised
    committee = party_committee_create(
        community=world.community_b, name="中共桥西社区委员会", acting_user=None
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        party_organise_company(
            company=world.company_b, members=members[:1], committee=committee, acting_user=None
        )


def test_person_reveal_answers_by_blind_index_and_logs(organised, world):
    """Community staff ask whether a person is a party member: True for a member, False
    for anyone else, and each read is one PII access log row."""
    _, members = organised
    other = person_create(name="钱多多", place=world.unit, acting_user=None)
    staff = world.users[Role.COMMUNITY_STAFF]
    assert (
        person_reveal(
            person=members[0], field="party_membership", reason="党员报到核实", acting_user=staff
        )
        is True
    )
    assert (
        person_reveal(
            person=other, field="party_membership", reason="党员报到核实", acting_user=staff
        )
        is False
    )
    logs = list(PiiAccessLog.objects.order_by("pk"))
    assert [(log.actor, log.person, log.field) for log in logs] == [
        (staff, members[0], "party_membership"),
        (staff, other, "party_membership"),
    ]


def test_person_reveal_refused_for_a_role_the_policy_does_not_list(organised, world):
    _, members = organised
    with pytest.raises(ApplicationError) as exc:
        person_reveal(
            person=members[0],
            field="party_membership",
            reason="看看",
            acting_user=world.users[Role.GRID_BUTLER],
        )
    assert exc.value.status == 403
    assert not PiiAccessLog.objects.exists()


def test_admin_inline_shows_masked_names_only(organised, admin_client):
    """The party organisation's admin page lists members masked, with no person picker."""
    branch, members = organised
    page = admin_client.get(reverse("admin:orgs_partyorg_change", args=[branch.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "欧***" in html
    for p in members:
        assert p.name not in html
    assert 'name="memberships-0-person' not in html


def test_person_reveal_also_finds_a_member_the_party_app_registered(world):
    """The party app's company members are sealed with the same blind index and
    register their own lookup: person_reveal finds them too, logged the same way."""
    from redprop.orgs.services import org_add_member
    from redprop.party import services as party

    party_committee_create(community=world.community, name="中共红星社区委员会", acting_user=None)
    staff = world.users[Role.COMMUNITY_STAFF]

    def ask():
        return person_reveal(
            person=world.resident,
            field="party_membership",
            reason="党员报到核实",
            acting_user=staff,
        )

    assert ask() is False
    org_add_member(org=world.company, person=world.resident, position="管家", acting_user=None)
    party.member_register(
        acting_user=world.users[Role.COMPANY_STAFF],
        company_id=world.company.pk,
        person_id=world.resident.pk,
        compound_id=world.compound.pk,
    )
    assert not PartyMembership.objects.exists()
    assert ask() is True
    assert PiiAccessLog.objects.filter(field="party_membership").count() == 2


def test_key_rotation_reseals_both_membership_tables(world, organised):
    """``rotate_pii_keys`` re-encrypts the sealed identities too (orgs and party tables
    register them): after it the new key alone opens them, and each batch is audited."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings

    from redprop.core import crypto
    from redprop.core.models import AuditEvent, AuditLog
    from redprop.orgs.services import org_add_member
    from redprop.party import services as party
    from redprop.party.models import Member
    from redprop.people.party_identity import identity_open

    org_add_member(org=world.company, person=world.resident, position="管家", acting_user=None)
    party.member_register(
        acting_user=world.users[Role.COMPANY_STAFF],
        company_id=world.company.pk,
        person_id=world.resident.pk,
        compound_id=world.compound.pk,
    )
    new_key = crypto.generate_key()
    with override_settings(REDPROP_PII_KEYS=[new_key, *settings.REDPROP_PII_KEYS]):
        call_command("rotate_pii_keys", "--batch", "2", verbosity=0)
    with override_settings(REDPROP_PII_KEYS=[new_key]):
        opened = {identity_open(r.identity_enc)["name"] for r in PartyMembership.objects.all()}
        assert opened == set(NAMES)
        (member,) = Member.objects.all()
        assert identity_open(member.identity_enc)["person_id"] == world.resident.pk
    targets = list(
        AuditLog.objects.filter(event_type=AuditEvent.PII_KEYS_ROTATED).values_list(
            "target_type", flat=True
        )
    )
    assert targets.count("orgs.partymembership") == 2  # 3 rows in batches of 2
    assert targets.count("party.member") == 1
