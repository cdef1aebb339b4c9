"""The worker: runs queued tasks (mail, …) and enqueues the periodic jobs when they are due."""

import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections
from django.utils.module_loading import autodiscover_modules

from apps.core.jobs import periodic

logger = logging.getLogger(__name__)

SCHEDULER_TICK = 15  # seconds between two looks at the schedule
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
        if batch:
            periodic.enqueue_due()
            call_command("db_worker", batch=True, reload=False, startup_delay=False)
            return
        threading.Thread(target=self.schedule, name="scheduler", daemon=True).start()
        while True:
            try:
                call_command("db_worker", reload=False)
                return
            except DatabaseError:
                # Never a dead worker: wait for the database to come back, then carry on.
                logger.warning(
                    "Database unavailable; the worker retries in %ss", RETRY_AFTER_OUTAGE
                )
                connections.close_all()
                time.sleep(RETRY_AFTER_OUTAGE)

    def schedule(self) -> None:
        while True:
            try:
                if enqueued := periodic.enqueue_due():
                    logger.info("Enqueued periodic jobs: %s", ", ".join(enqueued))
            except Exception:
                logger.warning("Could not enqueue the periodic jobs; next try in %ss",
                               SCHEDULER_TICK, exc_info=True)  # fmt: skip
            finally:
                connections.close_all()
            time.sleep(SCHEDULER_TICK)
