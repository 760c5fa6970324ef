"""seed_demo: deterministic, idempotent with --if-empty, realistic, and scoped logins."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import Client
from stdnum.cn import ric

from redprop.accounts.choices import Role
from redprop.accounts.models import RoleAssignment, User
from redprop.core import crypto
from redprop.core.models import AuditLog
from redprop.demo import registry
from redprop.demo.logins import DEMO_PASSWORD
from redprop.demo.registry import SeedContext
from redprop.demo.seed import run_seed
from redprop.orgs.choices import OrgKind, PartyOrgKind
from redprop.orgs.models import (
    CoBuildingAgreement,
    CrossAppointment,
    Org,
    OrgMembership,
    PartyMembership,
    PartyOrg,
)
from redprop.people.models import Person
from redprop.people.validation import clean_mobile
from redprop.territory.choices import CompoundKind, ManagementType, OccupantRelation
from redprop.territory.models import (
    Building,
    Compound,
    CompoundService,
    Grid,
    GridMember,
    Occupancy,
    Ownership,
    Region,
    Unit,
)

pytestmark = pytest.mark.django_db

SCALE = 0.02
TODAY = dt.date(2025, 11, 7)
DEMO_USERS: dict[str, str] = {
    Role.RESIDENT: "demo_resident",
    Role.GRID_BUTLER: "demo_butler",
    Role.MAINTENANCE_WORKER: "demo_worker",
    Role.COMPANY_STAFF: "demo_company",
    Role.UNIT_STAFF: "demo_unit",
    Role.COMMUNITY_STAFF: "demo_community",
    Role.STREET_OFFICER: "demo_street",
    Role.HOUSING_BUREAU: "demo_bureau",
    Role.SYSADMIN: "demo_admin",
}


def world_digest() -> str:
    """A hash of everything seeded, by natural fields only (no ids, no ciphertext)."""

    def rows(qs: Any, *fields: str) -> list[list[Any]]:
        return sorted([str(v) for v in row] for row in qs.values_list(*fields))

    def sensitive(p: Person) -> str:
        return crypto.decrypt(p.sensitive_enc) if p.sensitive_enc else ""

    people = sorted(
        [
            p.name,
            p.gender,
            p.birth_year,
            p.id_number_masked,
            p.mobile_masked,
            crypto.decrypt(p.id_number_enc),
            sensitive(p),
            sorted(t.code for t in p.tags.all()),
            p.community.code if p.community else "",
        ]
        for p in Person.objects.prefetch_related("tags").select_related("community")
    )
    canon = {
        "regions": rows(Region.objects, "level", "name", "code", "parent__code"),
        "orgs": rows(Org.objects, "kind", "name", "company_type", "unit_type", "compound__name"),
        "compounds": rows(
            Compound.objects,
            "community__code",
            "name",
            "kind",
            "management_type",
            "company__name",
            "built_year",
            "address",
        ),
        "services": rows(
            CompoundService.objects, "compound__name", "company__name", "management_type"
        ),
        "grids": rows(Grid.objects, "code", "name", "butler__username", "butler__display_name"),
        "buildings": rows(
            Building.objects, "compound__community__code", "compound__name", "name", "grid__code"
        ),
        "units": rows(
            Unit.objects,
            "compound__community__code",
            "compound__name",
            "label",
            "floor_area",
            "exclusive_area",
            "developer_unsold",
            "grid__code",
        ),
        "owners": rows(
            Ownership.objects, "unit__label", "person__name", "developer__name", "share"
        ),
        "occupants": rows(Occupancy.objects, "unit__label", "person__name", "relation"),
        "grid_members": rows(
            GridMember.objects, "grid__code", "role", "person__name", "org__name", "building__name"
        ),
        "memberships": rows(OrgMembership.objects, "org__name", "person__name", "position"),
        # Sealed rows: compared on the decrypted name (the ciphertext differs each run).
        "party": sorted(
            [m.party_org.name, m._identity()["name"], m.name_masked, str(m.is_secretary)]
            for m in PartyMembership.objects.select_related("party_org")
        ),
        "party_orgs": rows(PartyOrg.objects, "kind", "name", "parent__name", "host_org__name"),
        "appointments": rows(
            CrossAppointment.objects, "person__name", "home_org__name", "seat_org__name", "position"
        ),
        "agreements": rows(CoBuildingAgreement.objects, "org__name", "title", "community__code"),
        "users": rows(User.objects, "username", "display_name", "person__name", "is_superuser"),
        "roles": rows(RoleAssignment.objects, "user__username", "role"),
        "people": people,
    }
    blob = json.dumps(canon, ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def digest_of_seed(seed: int) -> str:
    """Seed the foundation into the current (empty) state, hash it, and roll it all back.

    Other apps' seeders are left out here: they are exercised once by the --if-empty
    test through the command, and their own tests own their determinism."""
    savepoint = transaction.savepoint()
    try:
        run_seed(seed=seed, scale=SCALE, today=TODAY, registered=False)
        return world_digest()
    finally:
        transaction.savepoint_rollback(savepoint)


# --- determinism, idempotency, extension ---------------------------------------------------
def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    first = digest_of_seed(1)
    assert not Region.objects.exists()  # rolled back: the second run starts from nothing
    assert digest_of_seed(1) == first
    assert digest_of_seed(2) != first


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty seeder registry: other apps' seeders are theirs to test."""
    monkeypatch.setattr(registry, "_SEEDERS", {})
    monkeypatch.setattr(registry, "discover", lambda: None)


@pytest.mark.usefixtures("own_registry")
def test_if_empty_keeps_existing_data_and_runs_registered_seeders_once():
    calls: list[SeedContext] = []

    def seeder(ctx: SeedContext) -> None:
        calls.append(ctx)

    registry.register_seeder(500, seeder)
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", seed=3, scale=SCALE, stdout=out)
    counts = (Person.objects.count(), Unit.objects.count(), AuditLog.objects.count())
    assert counts[1] > 50
    call_command("seed_demo", "--if-empty", seed=4, scale=SCALE, stdout=out)
    assert (Person.objects.count(), Unit.objects.count(), AuditLog.objects.count()) == counts
    assert "已存在" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("seed_demo", seed=4, scale=SCALE, stdout=io.StringIO())
    # The registered seeder ran once, after the foundation, with handles to the world.
    assert len(calls) == 1
    ctx = calls[0]
    assert set(ctx.cities) == {"jiayuguan", "puyang", "wuhan", "nanning"}
    assert set(ctx.users) == set(DEMO_USERS)
    assert ctx.units and ctx.grids and ctx.companies and ctx.cobuilding_units
    assert ctx.focus["unit"].pk in {u.pk for u in ctx.units}
    # The progress bar went from 0 to 100 %, through the foundation's cities, then
    # the registered seeder (as "2/2").
    text = out.getvalue()
    assert "  0%" in text and "100%" in text and "2/2" in text
    assert "武汉市" in text


@pytest.mark.usefixtures("own_registry")
def test_registry_orders_seeders_and_registers_each_once():
    def b(ctx: SeedContext) -> None: ...

    def a(ctx: SeedContext) -> None: ...

    registry.register_seeder(20, b)
    registry.register_seeder(10, a)
    registry.register_seeder(10, a)  # a module imported twice
    assert [fn for _, _, fn in registry.registered_seeders()] == [a, b]
    registry.unregister_seeder(a)
    assert [fn for _, _, fn in registry.registered_seeders()] == [b]


# --- the seeded world ----------------------------------------------------------------------
@pytest.fixture(scope="class")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[SeedContext]:
    """Seed the foundation once for the class, in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        ctx = run_seed(seed=1, scale=SCALE, today=TODAY, registered=False)
    yield ctx
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def user(role: str) -> User:
    return User.objects.get(username=DEMO_USERS[role])


def visible(role: str, qs: Any) -> set[int]:
    return set(user(role).scope_set().filter(qs).values_list("pk", flat=True))


def units_of(**where: Any) -> set[int]:
    return set(Unit.objects.filter(**where).values_list("pk", flat=True))


@pytest.mark.usefixtures("demo")
class TestDemoWorld:
    def test_each_demo_login_has_one_role_and_the_demo_password(self):
        for role, username in DEMO_USERS.items():
            u = user(role)
            assert u.role_names() == {role}, username
            assert u.check_password(DEMO_PASSWORD)
            assert Client().login(username=username, password=DEMO_PASSWORD)
        admin = user(Role.SYSADMIN)
        assert admin.is_superuser and admin.is_staff
        assert user(Role.STREET_OFFICER).is_staff and not user(Role.RESIDENT).is_staff
        # Only demo logins have a password; other staff logins are set up by an admin.
        staff = User.objects.filter(username__startswith="butler_").first()
        assert staff is not None and not staff.has_usable_password()

    def test_resident_is_a_real_jinghe_householder_and_sees_only_the_own_unit(self, demo):
        resident = user(Role.RESIDENT)
        unit = demo.focus["unit"]
        assert resident.person is not None
        assert Occupancy.objects.get(person=resident.person).relation == OccupantRelation.HEAD
        assert unit.street_id == demo.focus["street"].pk
        assert visible(Role.RESIDENT, Unit.objects.all()) == {unit.pk}
        assert visible(Role.RESIDENT, Person.objects.all()) == set(
            Occupancy.objects.filter(unit=unit).values_list("person_id", flat=True)
        )
        # The resident can also log in with the mobile number (blind-index lookup).
        mobile = crypto.decrypt(resident.person.mobile_enc)
        assert Client().login(username=mobile, password=DEMO_PASSWORD)

    def test_region_roles_see_their_part_of_the_tree_and_nothing_else(self, demo):
        jinghe, wuhan = demo.focus["street"], demo.cities["wuhan"]
        nanning = demo.cities["nanning"]
        street_units = visible(Role.STREET_OFFICER, Unit.objects.all())
        assert street_units == units_of(street=jinghe)
        assert not street_units & units_of(city=nanning)
        assert visible(Role.HOUSING_BUREAU, Unit.objects.all()) == units_of(city=wuhan)
        community = demo.focus["community"]
        assert visible(Role.COMMUNITY_STAFF, Unit.objects.all()) == units_of(community=community)
        assert visible(Role.SYSADMIN, Unit.objects.all()) == units_of()

    def test_grid_and_org_roles_see_their_grid_and_their_compounds(self, demo):
        grid = demo.focus["grid"]
        assert grid.butler == user(Role.GRID_BUTLER)
        assert grid.maintenance_worker == user(Role.MAINTENANCE_WORKER)
        assert grid.street_id == demo.focus["street"].pk
        assert visible(Role.GRID_BUTLER, Unit.objects.all()) == units_of(grid=grid)
        assert visible(Role.MAINTENANCE_WORKER, Building.objects.all()) == set(
            Building.objects.filter(grid=grid).values_list("pk", flat=True)
        )
        company = RoleAssignment.objects.get(user=user(Role.COMPANY_STAFF)).org
        assert (
            company is not None
            and company.is_red_company
            and company.street_id == demo.focus["street"].pk
        )
        seen = visible(Role.COMPANY_STAFF, Compound.objects.all())
        assert seen == set(Compound.objects.filter(company=company).values_list("pk", flat=True))
        assert Compound.objects.filter(pk__in=seen, kind=CompoundKind.RESETTLEMENT).exists()
        water = RoleAssignment.objects.get(user=user(Role.UNIT_STAFF)).org
        assert (
            water is not None
            and water.kind == OrgKind.COBUILDING_UNIT
            and water.street_id == demo.focus["street"].pk
        )

    def test_id_numbers_and_mobiles_are_valid_and_masked(self):
        people = list(Person.objects.all())
        assert len(people) > 200
        for p in people:
            number = crypto.decrypt(p.id_number_enc)
            assert ric.is_valid(number), number
            assert p.id_number_masked == f"{number[:4]}{'*' * 10}{number[-4:]}"
            assert p.birth_year == ric.get_birth_date(number).year
            assert p.gender == ("male" if int(number[16]) % 2 else "female")
            if p.mobile_enc:
                mobile = crypto.decrypt(p.mobile_enc)
                assert clean_mobile(mobile) == mobile and mobile[:2] in ("13", "15", "18")
                assert p.mobile_masked == f"{mobile[:3]}****{mobile[-4:]}"
        assert len({p.id_number_bidx for p in people}) == len(people)
        assert any(p.is_minor for p in people)
        assert any(p.display_name.endswith("*") for p in people if p.is_minor)

    def test_tags_in_realistic_proportions_and_sensitive_ones_encrypted(self):
        residents = Person.objects.filter(occupancies__isnull=False).distinct()
        sensitive: Counter[str] = Counter()
        for p in residents:
            if p.sensitive_enc:
                sensitive.update(json.loads(crypto.decrypt(p.sensitive_enc))["tags"])
        plain = Counter(residents.filter(tags__isnull=False).values_list("tags__code", flat=True))
        n = residents.count()
        assert 0.10 < sensitive["child"] / n < 0.30
        assert 0.03 < sensitive["party_member"] / n < 0.12
        assert 0.10 < plain["elderly"] / n < 0.30
        assert sensitive["elderly_alone"] and plain["tenant"] and plain["land_lost_farmer"]
        # Sensitive tags never appear as plain tags.
        assert not plain["party_member"] and not plain["elderly_alone"]
        # Party members of the community belong to its party organisation.
        for pm in PartyMembership.objects.all():
            person = Person.objects.get(pk=pm._identity()["person_id"])
            tags = json.loads(crypto.decrypt(person.sensitive_enc))["tags"]
            assert "party_member" in tags

    def test_people_live_where_their_unit_is(self):
        for occ in Occupancy.objects.select_related("unit", "person"):
            assert (occ.person.community_id, occ.person.grid_id) == (
                occ.unit.community_id,
                occ.unit.grid_id,
            )

    def test_units_have_areas_owners_and_households(self):
        units = list(Unit.objects.prefetch_related("owners", "occupants"))
        for unit in units:
            assert Decimal(50) <= unit.floor_area <= Decimal(140), unit.label
            assert unit.floor_area * Decimal("0.8") <= unit.exclusive_area <= unit.floor_area
            owners = list(unit.owners.all())
            assert owners
            if unit.developer_unsold:
                assert owners[0].developer_id and not unit.occupants.all()
            else:
                assert all(o.person_id for o in owners)
                assert sum(o.share for o in owners) == 1
            heads = [o for o in unit.occupants.all() if o.relation == OccupantRelation.HEAD]
            assert len(heads) <= 1
        relations = set(Occupancy.objects.values_list("relation", flat=True))
        assert {"head", "spouse", "child", "parent", "tenant"} <= relations

    def test_grids_partition_each_communitys_buildings(self, demo):
        for community in Region.objects.filter(level="community"):
            grids = list(Grid.objects.filter(community=community))
            assert 1 <= len(grids) <= 4
            buildings = Building.objects.filter(community=community)
            assert not buildings.filter(grid__isnull=True).exists()
            assert set(buildings.values_list("grid_id", flat=True)) == {g.pk for g in grids}
            for grid in grids:
                assert grid.butler_id and grid.maintenance_worker_id and grid.grid_worker_id
                roles = GridMember.objects.filter(grid=grid).values_list("role", flat=True)
                assert "backing_unit" in roles
            # Units follow their building's grid.
            units = Unit.objects.filter(community=community)
            assert not units.exclude(grid_id=F("building__grid_id")).exists()

    def test_compounds_of_every_kind_with_history(self, demo):
        kinds = set(Compound.objects.values_list("kind", flat=True))
        assert kinds == set(CompoundKind.values)
        assert set(Compound.objects.values_list("management_type", flat=True)) == set(
            ManagementType.values
        )
        abandoned = Compound.objects.get(kind=CompoundKind.ABANDONED)
        assert abandoned.city == demo.cities["nanning"]
        assert abandoned.management_type == ManagementType.NONE
        assert abandoned.company is None and abandoned.has_safeguard_service
        taken_over = Compound.objects.get(name="鑫海花城东区")
        assert list(
            taken_over.service_history.order_by("started_on").values_list(
                "management_type", flat=True
            )
        ) == ["commercial", "none", "red"]
        for compound in Compound.objects.filter(management_type=ManagementType.SELF_MANAGED):
            assert compound.committees.filter(kind=OrgKind.OWNERS_COMMITTEE).exists()
        # Every company-served compound is served by a company of its own city.
        for compound in Compound.objects.exclude(company=None).select_related("company"):
            assert compound.company is not None
            assert compound.company.city_id == compound.city_id

    def test_party_organisation_and_cross_appointments(self, demo):
        puyang = demo.cities["puyang"]
        branches = PartyOrg.objects.filter(kind=PartyOrgKind.BRANCH, city=puyang)
        assert branches.count() == 3  # 10 pilot projects, 3 branches (article 001)
        assert branches.values("parent").distinct().count() == 3  # one per community
        for branch in branches:
            secretary = PartyMembership.objects.get(party_org=branch, is_secretary=True)
            assert branch.memberships.count() >= 3
            person_id = secretary._identity()["person_id"]
            seat = CrossAppointment.objects.get(person_id=person_id).seat_org
            assert seat.kind == OrgKind.RESIDENTS_COMMITTEE
        committees = PartyOrg.objects.filter(kind=PartyOrgKind.COMMITTEE)
        assert committees.count() == Region.objects.filter(level="community").count()
        # Jinghe: the community secretaries run the red company's branches (一体化).
        jh_red = Org.objects.get(name="径河红色物业公司")
        assert CrossAppointment.objects.filter(seat_org=jh_red).count() == 3
        # Co-building units per street, heating only in the north.
        heating = Org.objects.filter(unit_type="heating").values_list("city__code", flat=True)
        assert set(heating) == {"620200", "410900"}
        assert CoBuildingAgreement.objects.filter(title__startswith="红色物业共建协议书").exists()

    def test_demo_logins_command_lists_every_login_with_its_scope(self):
        out = io.StringIO()
        call_command("demo_logins", stdout=out)
        text = out.getvalue()
        for username in DEMO_USERS.values():
            assert username in text
        assert DEMO_PASSWORD in text and "http://127.0.0.1:8000/" in text
        assert "径河街道" in text and "稻香社区" in text


def test_demo_logins_print_the_port_bin_demo_serves_on(monkeypatch):
    """``PORT=8100 bin/demo`` prints logins at :8100, not :8000."""
    from redprop.demo.logins import demo_url

    monkeypatch.setenv("PORT", "8100")
    assert demo_url() == "http://127.0.0.1:8100/"
    monkeypatch.delenv("PORT")
    assert demo_url() == "http://127.0.0.1:8000/"


@pytest.mark.django_db
def test_demo_logins_command_takes_the_url():
    out = io.StringIO()
    call_command("demo_logins", "--url", "http://127.0.0.1:8100/", stdout=out)
    assert "8100" in out.getvalue() or "尚无演示账号" in out.getvalue()


def test_progress_bar_redraws_on_a_terminal_and_writes_lines_elsewhere():
    from redprop.demo.progress import ProgressBar, bar

    assert bar(0.5, width=10) == "[█████░░░░░]"
    assert bar(2, width=4) == "[████]"
    out = io.StringIO()
    progress = ProgressBar(out, tty=False)
    for i in range(101):
        progress(i / 100, "2/2 seed_requests", f"{i}/100")
    lines = out.getvalue().splitlines()
    assert 10 <= len(lines) <= 12  # one a decile, not one a tick
    assert lines[-1].startswith("[" + "█" * 24 + "]") and "100%" in lines[-1]
    tty = io.StringIO()
    progress = ProgressBar(tty, tty=True)
    progress(0.25, "1/2 foundation", "武汉市 3/12")
    progress.log("step done")
    assert "\r\033[K" in tty.getvalue() and "武汉市 3/12" in tty.getvalue()
    assert " 25%" in tty.getvalue()
