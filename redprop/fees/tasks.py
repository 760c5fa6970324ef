"""Background work of the fees app (django-tasks; the db_worker runs it)."""

from __future__ import annotations

from django_tasks import task

from redprop.fees.billrun import bill_run_execute


@task()
def run_bills(run_id: int) -> str:
    """Bill one compound's month (idempotent: a finished run does nothing)."""
    return str(bill_run_execute(run_id=run_id).status)
