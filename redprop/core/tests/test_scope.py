"""The scope filter for every role: what each sees, and what it is refused."""

import pytest

from redprop.accounts.choices import Role
from redprop.core.scope import Scope, ScopeSet, scoped
from redprop.people.models import Person
from redprop.territory.models import Building, Compound, Grid, Unit

pytestmark = pytest.mark.django_db


def visible(world, role, model):
    return set(
        world.users[role].scope_set().filter(model.objects.all()).values_list("pk", flat=True)
    )


def test_each_territory_role_sees_exactly_its_part_of_the_tree(world):
    w = world
    assert visible(w, Role.HOUSING_BUREAU, Unit) == {w.unit.pk, w.unit_b.pk}
    assert visible(w, Role.STREET_OFFICER, Unit) == {w.unit.pk}
    assert visible(w, "street_b", Unit) == {w.unit_b.pk}
    assert visible(w, Role.COMMUNITY_STAFF, Compound) == {w.compound.pk}
    assert visible(w, Role.GRID_BUTLER, Building) == {w.building.pk}
    assert visible(w, Role.MAINTENANCE_WORKER, Grid) == {w.grid.pk}
    assert visible(w, Role.SYSADMIN, Compound) == {w.compound.pk, w.compound_b.pk}


def test_org_roles_see_what_concerns_their_organisation(world):
    w = world
    assert visible(w, Role.COMPANY_STAFF, Compound) == {w.compound.pk}
    assert visible(w, Role.COMPANY_STAFF, Unit) == {w.unit.pk}
    # A co-building unit serves no compound: it sees no units (its orders come later).
    assert visible(w, Role.UNIT_STAFF, Unit) == set()


def test_resident_sees_own_household_only(world):
    w = world
    assert visible(w, Role.RESIDENT, Unit) == {w.unit.pk}
    assert visible(w, Role.RESIDENT, Person) == {w.resident.pk}
    assert visible(w, Role.RESIDENT, Compound) == set()


def test_user_without_role_sees_nothing(world):
    nobody = world.users["nobody"]
    assert not nobody.scope_set()
    for model in (Unit, Compound, Person, Grid):
        assert not nobody.scope_set().filter(model.objects.all()).exists()


def test_inactive_user_sees_nothing(world):
    user = world.users[Role.HOUSING_BUREAU]
    user.is_active = False
    assert not user.scope_set().filter(Unit.objects.all()).exists()


def test_territory_scope_is_one_indexed_equality(world):
    sql = str(scoped(Unit.objects.all(), Scope("street", world.street.pk)).query)
    assert '"street_id" = ' in sql.replace("`", '"')
    assert "JOIN" not in sql


def test_union_of_roles(world):
    both = ScopeSet.of([Scope("grid", world.grid.pk), Scope("community", world.community_b.pk)])
    assert set(both.filter(Unit.objects.all()).values_list("pk", flat=True)) == {
        world.unit.pk,
        world.unit_b.pk,
    }


def test_revoked_role_no_longer_counts(world):
    from redprop.accounts.services import role_revoke

    user = world.users[Role.STREET_OFFICER]
    role_revoke(assignment=user.roles.get(), acting_user=None)
    assert not user.scope_set().filter(Unit.objects.all()).exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COMMUNITY_STAFF, 200),
        (Role.STREET_OFFICER, 200),
        (Role.HOUSING_BUREAU, 200),
        (Role.GRID_BUTLER, 200),
        (Role.RESIDENT, 200),
        ("street_b", 404),
        (Role.UNIT_STAFF, 404),
        ("nobody", 404),
    ],
)
def test_api_unit_read_is_scoped(world, role, status):
    resp = world.client(role).get(f"/api/v1/territory/units/{world.unit.pk}")
    assert resp.status_code == status
    if status == 404:
        assert resp.json()["code"] == "not_found"


def test_api_requires_authentication(client, world):
    resp = client.get("/api/v1/territory/compounds")
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"


def test_api_compound_list_by_role(world):
    names = {c["name"] for c in world.client("street_b").get("/api/v1/territory/compounds").json()}
    assert names == {"桥西小区"}
    assert world.client("nobody").get("/api/v1/territory/compounds").json() == []


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COMMUNITY_STAFF, 200),
        (Role.SYSADMIN, 200),
        (Role.STREET_OFFICER, 200),
        ("street_b", 302),
        (Role.RESIDENT, 302),
    ],
)
def test_admin_object_is_scoped(world, role, status):
    """The admin refuses objects outside the scope (it redirects with "does not exist")."""
    resp = world.client(role).get(f"/admin/territory/compound/{world.compound.pk}/change/")
    assert resp.status_code == status


def test_admin_changelist_lists_only_scope(world):
    resp = world.client("street_b").get("/admin/territory/compound/")
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "桥西小区" in body
    assert "幸福小区" not in body


def test_q_for_everything_survives_a_union_with_another_condition(world):
    """``Q() | Q(x)`` is ``Q(x)``: if "everything" were ``Q()``, a selector adding "or
    the rows I lead" would narrow the administrator to those rows."""
    from django.db.models import Q

    w = world
    everyone = {w.compound.pk, w.compound_b.pk}
    admin = w.users[Role.SYSADMIN].scope_set()
    only_b = Q(pk=w.compound_b.pk)
    assert (
        set(Compound.objects.filter(admin.q_for(Compound) | only_b).values_list("pk", flat=True))
        == everyone
    )
    assert set(
        Compound.objects.filter(admin.q_for(Compound) & only_b).values_list("pk", flat=True)
    ) == {w.compound_b.pk}
    # Nothing stays nothing, and a territory scope stays its part, in either union.
    nobody = ScopeSet()
    assert set(
        Compound.objects.filter(nobody.q_for(Compound) | only_b).values_list("pk", flat=True)
    ) == {w.compound_b.pk}
    assert not Compound.objects.filter(nobody.q_for(Compound)).exists()
    staff = w.users[Role.COMMUNITY_STAFF].scope_set()
    assert (
        set(Compound.objects.filter(staff.q_for(Compound) | only_b).values_list("pk", flat=True))
        == everyone
    )
    assert set(Compound.objects.filter(staff.q_for(Compound)).values_list("pk", flat=True)) == {
        w.compound.pk
    }
