"""Jobs that run themselves. An app marks a task with @every(seconds=…) in its tasks.py; the
worker (`python manage.py worker`) enqueues each one once per interval. The database decides
which worker enqueues it: a row per job and interval, unique, written in the same transaction
as the task, so several workers on several machines enqueue it once, whether Redis is up,
down or not there."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.tasks import Task

from apps.core.models import PeriodicRun

KEPT_INTERVALS = 2  # a job's rows for the intervals before these are deleted as it is enqueued


@dataclass(frozen=True)
class Periodic:
    task: Task
    seconds: int


SCHEDULE: dict[str, Periodic] = {}


def every(*, seconds: int) -> Callable[[Task], Task]:
    """Register a task (put it above @task) to be enqueued every `seconds`."""

    def register(task: Task) -> Task:
        SCHEDULE[task.module_path] = Periodic(task, seconds)
        return task

    return register


def enqueue_once(*, name: str, job: Periodic, interval: int) -> bool:
    """Enqueue the job for this interval unless a worker has; say whether this call did. The
    row and the task are committed together: a task that cannot be enqueued leaves no row."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=name, interval=interval)
        except IntegrityError:
            return False  # another worker has it
        job.task.enqueue()
        # Earlier intervals' rows are of no more use; the last ones stay for a late clock.
        PeriodicRun.objects.filter(job=name, interval__lt=interval - KEPT_INTERVALS).delete()
    return True


@dataclass
class Scheduler:
    """One worker's look at the schedule. It remembers the interval in which it last saw each
    job enqueued (by itself or another worker), so a tick asks the database only about jobs
    whose new interval has begun."""

    seen_in: dict[str, int] = field(default_factory=dict)

    def enqueue_due(self, now: float | None = None) -> list[str]:
        """Enqueue each periodic task whose interval has begun and that no worker has enqueued
        in it yet; return their names. A job that cannot be enqueued now (the database is
        away) is tried at the next tick."""
        now = time.time() if now is None else now
        enqueued = []
        for name, job in SCHEDULE.items():
            interval = int(now // job.seconds)
            if self.seen_in.get(name) == interval:
                continue
            if enqueue_once(name=name, job=job, interval=interval):
                enqueued.append(name)
            self.seen_in[name] = interval
        return enqueued
