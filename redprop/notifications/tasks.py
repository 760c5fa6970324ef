"""Background delivery (django-tasks). The sweep, not this task, is the guarantee."""

from __future__ import annotations

from django_tasks import task

from redprop.notifications.services import deliver


@task()
def deliver_messages(message_ids: list[int]) -> int:
    """Deliver outbox messages just committed by ``outbox_enqueue``. Returns how many
    this run delivered; messages already delivered (e.g. by the sweep) count 0."""
    return sum(1 for pk in message_ids if deliver(pk))
