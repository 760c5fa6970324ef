"""The task worker: django-tasks-db's ``db_worker`` that survives outages and dead peers.

Same options as ``db_worker`` (``--queue-name '*'``, ``--interval``, ``--batch``,
``--max-tasks``, ``--worker-id``); see ``redprop.core.worker`` for what it adds.
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from redprop.core import worker as resilient


class Command(DbWorkerCommand):
    help = "Run the background task worker, riding out database outages (see redprop.core.worker)."

    def add_arguments(self, parser: Any) -> None:
        super().add_arguments(parser)
        # db_worker's default id is drawn once at import; each process needs its own.
        parser.set_defaults(worker_id=None)

    def handle(self, *, verbosity: int, **options: Any) -> None:
        self.configure_logging(verbosity)
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        worker = resilient.ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"] or resilient.new_worker_id(),
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        resilient.run(worker)
