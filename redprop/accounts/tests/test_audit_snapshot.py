"""Audit rows never carry a user's password hash (it was copied by ``snapshot``)."""

import pytest

from redprop.accounts.services import user_create
from redprop.core.models import AuditEvent, AuditLog

pytestmark = pytest.mark.django_db


def test_user_creation_is_audited_without_the_password_hash():
    user = user_create(username="snap", password="a-long-password-1", acting_user=None)
    row = AuditLog.objects.get(event_type=AuditEvent.USER_CREATED, target_id=str(user.pk))
    assert row.after is not None and row.after["username"] == "snap"
    assert "password" not in row.after
    assert user.password not in str(row.after)
