"""The worker: runs queued tasks (mail, …), enqueues the periodic jobs when they are due, and
runs again the tasks of workers that died (apps.core.jobs.lease)."""

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.utils.module_loading import autodiscover_modules

from apps.core.jobs import lease, periodic

logger = logging.getLogger(__name__)

SCHEDULER_TICK = 15  # seconds between two looks at the schedule (at most the lease)
RETRY_AFTER_OUTAGE = 5  # seconds the worker waits when the database is unavailable


class Command(BaseCommand):
    help = "Run queued tasks and the periodic jobs until stopped (TERM finishes the current task)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Enqueue what is due, run every task that is ready, then exit.",
        )

    def handle(self, *args: object, batch: bool = False, **options: object) -> None:
        autodiscover_modules("tasks")  # every app's tasks.py, with its periodic jobs
        heartbeat = lease.Heartbeat()
        heartbeat.beat()  # before the first claim, so no scheduler takes this worker for dead
        threading.Thread(target=heartbeat.run, name="heartbeat", daemon=True).start()
        try:
            if batch:
                lease.requeue_orphans()
                periodic.Scheduler().enqueue_due()
                call_command("db_worker", batch=True, reload=False, startup_delay=False,
                             worker_id=heartbeat.worker_id)  # fmt: skip
                return
            threading.Thread(target=self.schedule, name="scheduler", daemon=True).start()
            while True:
                try:
                    call_command("db_worker", reload=False, worker_id=heartbeat.worker_id)
                    return
                except DatabaseError:
                    # Never a dead worker: wait for the database to come back, then carry on.
                    logger.warning(
                        "Database unavailable; the worker retries in %ss", RETRY_AFTER_OUTAGE
                    )
                    connections.close_all()
                    time.sleep(RETRY_AFTER_OUTAGE)
                    # A task the outage interrupted is still marked RUNNING: under a new id,
                    # the old one falls silent, and the task runs again once its lease is out.
                    heartbeat.renew()
        finally:
            heartbeat.stop()

    def schedule(self) -> None:
        scheduler = periodic.Scheduler()
        tick = min(SCHEDULER_TICK, settings.TASK_LEASE_SECONDS)
        while True:
            try:
                lease.requeue_orphans()
            except Exception:
                logger.warning("Could not look for tasks that lost their worker; next try in "
                               "%ss", tick, exc_info=True)  # fmt: skip
            try:
                if enqueued := scheduler.enqueue_due():
                    logger.info("Enqueued periodic jobs: %s", ", ".join(enqueued))
            except Exception:
                logger.warning("Could not enqueue the periodic jobs; next try in %ss",
                               tick, exc_info=True)  # fmt: skip
            finally:
                connections.close_all()
            time.sleep(tick)
