"""Tasks that outlive their worker.

Every worker (`manage.py worker`) beats: a thread of its own writes the worker's id and the
database's time to a row every third of TASK_LEASE_SECONDS, whether the worker is idle or deep
in a long task. A task the database queue still shows RUNNING, claimed (its last worker id)
by a worker whose beat is older than the lease, lost its worker: killed, out of memory, or its
machine gone. Any worker's scheduler then puts it back in the queue, to run again, and after
MAX_CRASHES such losses marks it failed instead, so a task that kills its worker cannot loop.

Times are the database's (one clock for every machine); a task's claim time is the claiming
worker's, so workers' clocks should be kept in time (NTP) to well within the lease.
"""

import contextlib
import logging
import os
import socket
import threading
from datetime import timedelta
from traceback import format_exception

from django.conf import settings
from django.db import connection
from django.db.models import DateTimeField, ExpressionWrapper, Value
from django.db.models.functions import Now
from django.tasks import TaskResultStatus
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from apps.core.models import WorkerBeat

logger = logging.getLogger(__name__)

MAX_CRASHES = 3  # a task whose worker died this many times is failed, not run again


class WorkerLost(Exception):
    """The worker running a task stopped before the task finished, MAX_CRASHES times."""


def new_worker_id() -> str:
    """A worker id unique across machines and restarts, and readable in the admin and logs."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def _lease_ago() -> ExpressionWrapper:
    lease = Value(timedelta(seconds=settings.TASK_LEASE_SECONDS))
    return ExpressionWrapper(Now() - lease, output_field=DateTimeField())


def record_beat(*, worker_id: str) -> None:
    """Note that this worker is alive now."""
    if not WorkerBeat.objects.filter(worker_id=worker_id).update(beat_at=Now()):
        WorkerBeat.objects.create(worker_id=worker_id, beat_at=Now())


def forget_worker(*, worker_id: str) -> None:
    """Drop the beat of a worker that stopped cleanly."""
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def requeue_orphans() -> list[str]:
    """Put back in the queue each RUNNING task whose worker stopped beating for longer than
    the lease, or fail it if it has now lost MAX_CRASHES workers; return their ids."""
    live = set(
        WorkerBeat.objects.filter(beat_at__gte=_lease_ago()).values_list("worker_id", flat=True)
    )
    # Claimed longer ago than the lease: a worker that has just started has beaten already.
    claimed = DBTaskResult.objects.running().filter(started_at__lt=_lease_ago())
    orphans = []
    for task in claimed.only("id", "task_path", "worker_ids", "started_at"):
        worker = task.worker_ids[-1] if task.worker_ids else None
        if worker in live:
            continue
        # The same claim only: another scheduler may have put it back and a worker taken it.
        same_claim = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        crashes = len(task.worker_ids)
        if crashes >= MAX_CRASHES:
            error = WorkerLost(
                f"The worker running this task stopped before it finished, {crashes} times "
                f"(killed, out of memory, or its machine lost); it is not run again."
            )
            changed = same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=timezone.now(),
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback="".join(format_exception(error)),
            )
            if changed:
                logger.error("Task %s (%s) lost its worker %s (%s of %s); marked failed",
                             task.pk, task.task_path, worker, crashes, MAX_CRASHES)  # fmt: skip
        else:
            changed = same_claim.update(status=TaskResultStatus.READY)
            if changed:
                logger.warning(
                    "Task %s (%s) lost its worker %s (no beat for over %ss); queued to run "
                    "again (%s of %s)",
                    task.pk, task.task_path, worker, settings.TASK_LEASE_SECONDS, crashes,
                    MAX_CRASHES,
                )  # fmt: skip
        if changed:
            orphans.append(str(task.pk))
    WorkerBeat.objects.filter(beat_at__lt=_lease_ago()).delete()  # beats that count no more
    return orphans


class Heartbeat:
    """This worker's sign of life. `run` (a thread of its own) beats every third of the
    lease, so a long task keeps its lease; a database outage only skips beats, logged once."""

    def __init__(self) -> None:
        self.worker_id = new_worker_id()
        self._stopped = threading.Event()
        self._failing = False

    def run(self) -> None:
        while not self._stopped.wait(settings.TASK_LEASE_SECONDS / 3):
            self.beat()
        with contextlib.suppress(Exception):
            connection.close()

    def beat(self) -> bool:
        """Beat once; say whether the database took it. Never raises."""
        try:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            record_beat(worker_id=self.worker_id)
        except Exception as error:
            if not self._failing:
                logger.warning("Worker %s could not beat (%s); trying again every %ss",
                               self.worker_id, error, settings.TASK_LEASE_SECONDS / 3)  # fmt: skip
            self._failing = True
            if not connection.in_atomic_block:  # never someone else's transaction
                with contextlib.suppress(Exception):
                    connection.close()  # reconnect at the next beat
            return False
        if self._failing:
            logger.warning("Worker %s beats again", self.worker_id)
            self._failing = False
        return True

    def renew(self) -> str:
        """Beat under a new id from now on and return it. The old id falls silent, so a task
        it held but could not finish (the database went away under it) is run again."""
        old, self.worker_id = self.worker_id, new_worker_id()
        with contextlib.suppress(Exception):
            forget_worker(worker_id=old)
        self.beat()
        return self.worker_id

    def stop(self) -> None:
        """Stop beating and drop this worker's beat (a clean exit)."""
        self._stopped.set()
        with contextlib.suppress(Exception):
            forget_worker(worker_id=self.worker_id)
