"""Background work of the dashboards app (django-tasks; the db_worker runs it)."""

from __future__ import annotations

from django_tasks import task

from redprop.dashboards.exports import report_export_run


@task()
def build_report_export(export_id: int) -> str:
    """Build one monthly report file; returns the job's final status."""
    return report_export_run(export_id=export_id)
