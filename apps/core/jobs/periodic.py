"""Jobs that run themselves. An app marks a task with @every(seconds=…) in its tasks.py; the
worker (`python manage.py worker`) enqueues each one once per interval. The shared cache
decides which worker enqueues it, so several workers on several machines run it once."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.tasks import Task


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


# The interval each job was last enqueued in by this process: while the shared cache is away
# (its add() then says yes to everyone), each worker still enqueues a job once per interval.
_enqueued_in: dict[str, int] = {}


def enqueue_due(now: float | None = None) -> list[str]:
    """Enqueue each periodic task whose interval has begun and that no worker has enqueued in
    it yet; return their names. A job that cannot be enqueued now is tried at the next tick."""
    now = time.time() if now is None else now
    enqueued = []
    for name, job in SCHEDULE.items():
        interval = int(now // job.seconds)
        if _enqueued_in.get(name) == interval:
            continue
        key = f"periodic:{name}:{interval}"
        if not cache.add(key, True, timeout=job.seconds * 2):
            continue  # another worker has it
        try:
            job.task.enqueue()
        except Exception:
            cache.delete(key)  # let the next tick, or another worker, try again
            raise
        _enqueued_in[name] = interval
        enqueued.append(name)
    return enqueued
