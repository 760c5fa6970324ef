"""orgs migration 0004: existing party memberships are sealed from the person foreign
key (blind index, ciphertext, masked name) before the key is dropped; going back puts
the key back from the ciphertext."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from redprop.conftest import install_reference_data
from redprop.people.party_identity import identity_open, person_bidx

BEFORE = [("orgs", "0003_orgmembership_work_phone")]
AFTER = [("orgs", "0004_partymembership_encrypt_person")]


@pytest.mark.once  # a migration round trip: .ci/run runs it on PostgreSQL only
@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_memberships_and_goes_back():
    install_reference_data()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        _round_trip()
    finally:  # never leave the test database behind the code
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def _round_trip():
    old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    Person = old.get_model("people", "Person")
    PartyOrg = old.get_model("orgs", "PartyOrg")
    Membership = old.get_model("orgs", "PartyMembership")
    committee = PartyOrg.objects.create(kind="committee", name="中共红星社区委员会")
    people = [Person.objects.create(name=n) for n in ("欧阳红梅", "司马建华")]
    Membership.objects.create(party_org=committee, person=people[0], is_secretary=True)
    Membership.objects.create(party_org=committee, person=people[1])

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    sealed = list(new.get_model("orgs", "PartyMembership").objects.order_by("pk"))
    assert [m.name_masked for m in sealed] == ["欧***", "司***"]
    assert [m.person_bidx for m in sealed] == [person_bidx(p.pk) for p in people]
    assert [identity_open(m.identity_enc) for m in sealed] == [
        {"person_id": p.pk, "name": p.name} for p in people
    ]
    assert [m.is_secretary for m in sealed] == [True, False]
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM orgs_partymembership")
        columns = [c[0] for c in cur.description]
        raw = repr(cur.fetchall())
    assert "person_id" not in columns
    assert all(p.name not in raw for p in people)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps
    restored = back.get_model("orgs", "PartyMembership").objects.order_by("pk")
    assert [(m.person_id, m.is_secretary) for m in restored] == [
        (people[0].pk, True),
        (people[1].pk, False),
    ]
