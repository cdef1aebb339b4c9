"""What the task worker keeps so that work survives a crash and runs once: each worker's last
sign of life, the queued mails a server accepted, and the periodic jobs already enqueued.
Written only by apps.core.jobs (lease, mail, periodic)."""

from django.db import models


class WorkerBeat(models.Model):
    """One running worker's last heartbeat, in the database's clock. A task still RUNNING
    under a worker whose beat is older than TASK_LEASE_SECONDS is run again (jobs.lease)."""

    worker_id = models.CharField(primary_key=True, max_length=64)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.beat_at}"


class MailDelivery(models.Model):
    """A queued mail the outbound server accepted, by the id of its first task: a second run
    of that task, or a retry of it, does not send it again (jobs.mail)."""

    mail_id = models.CharField(primary_key=True, max_length=64)
    delivered_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"mail {self.mail_id} delivered at {self.delivered_at}"


class PeriodicRun(models.Model):
    """A periodic job enqueued for one of its intervals. The pair is unique, so of the workers
    that find the job due, the one whose row goes in enqueues it (jobs.periodic)."""

    job = models.CharField(max_length=200)
    interval = models.BigIntegerField()
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "interval"], name="core_periodic_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} in interval {self.interval}"
