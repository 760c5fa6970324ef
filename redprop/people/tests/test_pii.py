"""PII: encrypted at rest, found by blind index, masked by default, reveals logged."""

import pytest
from django.db import connection
from django.test import override_settings

from redprop.accounts.choices import Role
from redprop.conftest import ADULT_ID, ADULT_MOBILE
from redprop.core import crypto
from redprop.core.errors import ApplicationError, NotFound
from redprop.people.models import Person, PiiAccessLog
from redprop.people.selectors import person_find_by_id_number, person_find_by_mobile
from redprop.people.services import person_create, person_reveal

pytestmark = pytest.mark.django_db


def raw_row(person_id):
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM people_person WHERE id = %s", [person_id])
        return " ".join(str(v) for v in cur.fetchone())


def test_raw_columns_never_hold_plaintext(world):
    raw = raw_row(world.resident.pk)
    assert ADULT_MOBILE not in raw
    assert ADULT_ID not in raw
    assert "1949-12-31" not in raw
    assert "elderly_alone" not in raw
    # ...but the masked forms are there, and decrypt back to the values.
    assert "138****1234" in raw
    p = Person.objects.get(pk=world.resident.pk)
    assert crypto.decrypt(p.mobile_enc) == ADULT_MOBILE


def test_masked_by_default_in_api(world):
    body = world.client(Role.COMMUNITY_STAFF).get(f"/api/v1/people/{world.resident.pk}").json()
    assert body["mobile"] == "138****1234"
    assert body["id_number"] == "1101**********002X"


def test_minor_name_masked(world):
    child = person_create(name="王小明", id_number="450105201506010022", acting_user=None)
    assert child.is_minor
    assert child.display_name == "王**"


def test_blind_index_finds_exact_match_only(world):
    scope = world.users[Role.SYSADMIN].scope_set()
    assert person_find_by_mobile(scope=scope, mobile="138 1234 1234") == world.resident
    assert person_find_by_id_number(scope=scope, id_number=ADULT_ID.lower()) == world.resident
    assert person_find_by_mobile(scope=scope, mobile="13812341235") is None
    # Outside the scope, the index does not leak existence.
    assert (
        person_find_by_mobile(scope=world.users["street_b"].scope_set(), mobile=ADULT_MOBILE)
        is None
    )


def test_reveal_logs_who_whom_which_why(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    value = person_reveal(
        person=world.resident, field="mobile", reason="上门维修联系", acting_user=staff
    )
    assert value == ADULT_MOBILE
    log = PiiAccessLog.objects.get()
    assert (log.actor, log.person, log.field, log.reason) == (
        staff,
        world.resident,
        "mobile",
        "上门维修联系",
    )


def test_reveal_sensitive_tags(world):
    staff = world.users[Role.COMMUNITY_STAFF]
    tags = person_reveal(
        person=world.resident, field="sensitive_tags", reason="走访", acting_user=staff
    )
    assert tags == ["elderly_alone"]


@pytest.mark.parametrize("role", [Role.MAINTENANCE_WORKER, Role.COMPANY_STAFF, Role.HOUSING_BUREAU])
def test_reveal_refused_for_roles_that_do_not_need_it(world, role):
    with pytest.raises(ApplicationError) as exc:
        person_reveal(
            person=world.resident, field="id_number", reason="查看", acting_user=world.users[role]
        )
    assert exc.value.status in (403, 404)
    assert not PiiAccessLog.objects.exists()


def test_reveal_outside_scope_is_404(world):
    with pytest.raises(NotFound):
        person_reveal(
            person=world.resident,
            field="mobile",
            reason="查看",
            acting_user=world.users["street_b"],
        )


def test_reveal_requires_reason(world):
    with pytest.raises(ApplicationError) as exc:
        person_reveal(
            person=world.resident,
            field="mobile",
            reason=" ",
            acting_user=world.users[Role.COMMUNITY_STAFF],
        )
    assert exc.value.field == "reason"


def test_reveal_api(world):
    c = world.client(Role.COMMUNITY_STAFF)
    resp = c.post(
        f"/api/v1/people/{world.resident.pk}/reveal",
        {"field": "id_number", "reason": "核实身份"},
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert resp.json()["value"] == ADULT_ID
    resp = world.client(Role.GRID_BUTLER).post(
        f"/api/v1/people/{world.resident.pk}/reveal",
        {"field": "id_number", "reason": "核实身份"},
        content_type="application/json",
    )
    assert resp.status_code == 403
    assert resp.json()["code"] == "reveal_not_allowed"
    assert PiiAccessLog.objects.count() == 1


def test_key_rotation_keeps_data_readable(world):
    from django.core.management import call_command

    old = crypto.encrypt("x")  # noqa: F841 - forces key load under the old settings
    new_key = crypto.generate_key()
    from django.conf import settings

    keys = [new_key, *settings.REDPROP_PII_KEYS]
    with override_settings(REDPROP_PII_KEYS=keys):
        call_command("rotate_pii_keys", verbosity=0)
        p = Person.objects.get(pk=world.resident.pk)
        assert crypto.decrypt(p.mobile_enc) == ADULT_MOBILE
    # After rotation the new key alone reads everything: the old key can be dropped.
    with override_settings(REDPROP_PII_KEYS=[new_key]):
        p = Person.objects.get(pk=world.resident.pk)
        assert crypto.decrypt(p.id_number_enc) == ADULT_ID


def test_key_rotation_writes_one_audit_row_per_batch(world):
    """The rotation goes through a service that audits each batch (issue #11)."""
    from django.conf import settings
    from django.core.management import call_command

    from redprop.core.audit import chain_verify
    from redprop.core.models import AuditEvent, AuditLog

    people = Person.objects.count()
    keys = [crypto.generate_key(), *settings.REDPROP_PII_KEYS]
    with override_settings(REDPROP_PII_KEYS=keys):
        call_command("rotate_pii_keys", "--batch", "1", verbosity=0)
    rows = list(AuditLog.objects.filter(event_type=AuditEvent.PII_KEYS_ROTATED).order_by("pk"))
    assert len(rows) == people
    assert [r.extra["first_id"] for r in rows] == list(
        Person.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert (rows[0].actor, rows[0].target_type, rows[0].target_id) == (None, "people.person", "*")
    assert chain_verify(AuditLog).ok
