import pytest

from redprop.core.models import AuditEvent, AuditLog
from redprop.territory.services import compound_change_company

pytestmark = pytest.mark.django_db


def test_administrative_write_records_actor_before_after(world):
    admin = world.users["sysadmin"]
    compound_change_company(
        compound=world.compound, management_type="none", company=None, acting_user=admin
    )
    row = AuditLog.objects.filter(event_type=AuditEvent.COMPOUND_COMPANY_CHANGED).get()
    assert row.actor == admin
    assert row.before["management_type"] == "red"
    assert row.after["management_type"] == "none"
    assert row.target_id == str(world.compound.pk)


def test_audit_log_is_append_only(world):
    row = AuditLog.objects.first()
    row.extra = {"x": 1}
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()


def test_audit_never_copies_ciphertext(world):
    row = AuditLog.objects.filter(event_type=AuditEvent.PERSON_CREATED).first()
    assert not any(k.endswith(("_enc", "_bidx")) for k in row.after)
