"""Several writers appending audit and PII-log rows at once never chain to the same
previous row: the advisory lock serialises them (PostgreSQL, real threads and
connections; SQLite serialises writers with its own lock and is skipped).

Checked once by hand: with ``lock_chain`` made a no-op this test fails (rows share
a ``prev_hash`` and ``audit_verify`` reports the fork).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from redprop.accounts.services import user_create
from redprop.core.audit import audit, chain_verify
from redprop.core.models import AuditEvent, AuditLog
from redprop.people.models import PiiAccessLog
from redprop.people.services import person_create, pii_access_log_append

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="advisory locks: PostgreSQL"),
]

THREADS = 4
ROWS = 15


def test_concurrent_writers_keep_one_chain():
    assert connection.vendor == "postgresql"
    user = user_create(username="chain_u", password="pw-chain-123456", acting_user=None)
    person = person_create(name="链测试", acting_user=None)
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(ROWS):
                with transaction.atomic():
                    if (n + i) % 2:
                        audit(actor=None, event=AuditEvent.ADMIN_CHANGE, target=user, n=n, i=i)
                    else:
                        pii_access_log_append(
                            person=person, field="mobile", reason=f"并发{n}-{i}", acting_user=None
                        )
                    # Keep the transaction open a moment after the append: the next
                    # writer must wait for this row to commit before reading the head.
                    time.sleep(0.002)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    audit_before = AuditLog.objects.count()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    total = THREADS * ROWS
    assert AuditLog.objects.count() - audit_before + PiiAccessLog.objects.count() == total
    for model in (AuditLog, PiiAccessLog):
        prevs = list(model.objects.values_list("prev_hash", flat=True))
        assert len(prevs) == len(set(prevs)), f"{model.__name__}: two rows share a prev_hash"
        assert chain_verify(model).ok
