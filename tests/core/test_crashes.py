"""Tasks survive the crash of their worker: a task left RUNNING by a worker that stopped beating
runs again, at most MAX_CRASHES times; a worker that is merely slow keeps its tasks; a mail
is sent at most once per mail, whatever runs its task again."""

import email
import email.policy
import logging
import threading
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from apps.core.jobs import lease
from apps.core.jobs.mail import deliver_mail
from apps.core.models import MailDelivery, WorkerBeat
from apps.core.tasks import clear_expired_sessions
from tests.core.test_background import Inbox, queued_mail, smtp_port  # noqa: F401 (fixture)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def claimed(task_result, *worker_ids: str, ago: float = 3600) -> DBTaskResult:
    """The task as a worker leaves it when claiming it (`ago` seconds ago), its earlier
    claims by the other workers named."""
    row = DBTaskResult.objects.get(pk=task_result.id)
    row.claim(worker_ids[-1])
    DBTaskResult.objects.filter(pk=row.pk).update(
        worker_ids=list(worker_ids), started_at=timezone.now() - timedelta(seconds=ago)
    )
    return DBTaskResult.objects.get(pk=row.pk)


def beat(worker_id: str, ago: float = 0) -> None:
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id, defaults={"beat_at": timezone.now() - timedelta(seconds=ago)}
    )


# --- The lease -------------------------------------------------------------------------------


def test_a_task_whose_worker_stopped_beating_is_queued_again(settings, caplog):
    settings.TASK_LEASE_SECONDS = 60
    task = claimed(clear_expired_sessions.enqueue(), "gone")
    beat("gone", ago=61)
    with caplog.at_level(logging.WARNING, logger="apps.core.jobs.lease"):
        assert lease.requeue_orphans() == [str(task.pk)]
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    assert "lost its worker gone" in caplog.text
    assert "(1 of 3)" in caplog.text
    assert not WorkerBeat.objects.filter(worker_id="gone").exists()  # a stale beat is dropped


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_again_runs_on_another_worker_and_finishes():
    task = claimed(clear_expired_sessions.enqueue(), "gone")
    lease.requeue_orphans()
    call_command("worker", batch=True, verbosity=0)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2
    assert task.worker_ids[0] == "gone"


def test_a_task_whose_worker_never_beat_is_queued_again_once_the_lease_is_out(settings):
    """A worker without heartbeats (an older release, a bare db_worker) gets the lease too."""
    settings.TASK_LEASE_SECONDS = 60
    fresh = claimed(clear_expired_sessions.enqueue(), "silent", ago=5)
    stale = claimed(clear_expired_sessions.enqueue(), "silent", ago=120)
    assert lease.requeue_orphans() == [str(stale.pk)]
    fresh.refresh_from_db()
    assert fresh.status == TaskResultStatus.RUNNING


def test_a_slow_worker_that_still_beats_keeps_its_task(settings):
    settings.TASK_LEASE_SECONDS = 60
    task = claimed(clear_expired_sessions.enqueue(), "slow", ago=3600)  # an hour-long task
    beat("slow", ago=10)
    assert lease.requeue_orphans() == []
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING


def test_only_the_last_worker_of_a_task_counts(settings):
    settings.TASK_LEASE_SECONDS = 60
    task = claimed(clear_expired_sessions.enqueue(), "alive", "gone")
    beat("alive")
    assert lease.requeue_orphans() == [str(task.pk)]


def test_a_task_that_lost_three_workers_is_failed_with_the_reason(client):
    task = claimed(clear_expired_sessions.enqueue(), "first", "second", "third")
    assert lease.requeue_orphans() == [str(task.pk)]
    task.refresh_from_db()
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "apps.core.jobs.lease.WorkerLost"
    assert "stopped before it finished, 3 times" in task.traceback
    assert task.finished_at is not None
    assert lease.requeue_orphans() == []  # failed for good: not run again
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/django_tasks_database/dbtaskresult/{task.pk}/change/").content
    assert b"stopped before it finished, 3 times" in page


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_renews_the_lease_of_a_long_task(settings):
    settings.TASK_LEASE_SECONDS = 3  # a beat a second
    heartbeat = lease.Heartbeat()
    task = claimed(clear_expired_sessions.enqueue(), heartbeat.worker_id, ago=3600)
    beat(heartbeat.worker_id, ago=3600)  # the last beat long ago
    assert lease.requeue_orphans() == [str(task.pk)]
    task = claimed(clear_expired_sessions.enqueue(), heartbeat.worker_id, ago=3600)
    beat(heartbeat.worker_id, ago=3600)
    thread = threading.Thread(target=heartbeat.run)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while WorkerBeat.objects.get(worker_id=heartbeat.worker_id).beat_at < timezone.now() - (
            timedelta(seconds=60)
        ):
            assert time.monotonic() < deadline, "the heartbeat thread never beat"
            time.sleep(0.1)
        assert lease.requeue_orphans() == []
    finally:
        heartbeat.stop()
        thread.join(timeout=10)
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING
    assert not WorkerBeat.objects.filter(worker_id=heartbeat.worker_id).exists()


def test_a_database_outage_skips_beats_without_killing_the_worker(caplog):
    heartbeat = lease.Heartbeat()
    outage = OperationalError("server closed the connection unexpectedly")
    with (
        caplog.at_level(logging.WARNING, logger="apps.core.jobs.lease"),
        mock.patch.object(lease, "record_beat", side_effect=outage),
    ):
        assert [heartbeat.beat() for _ in range(3)] == [False, False, False]
    assert heartbeat.beat() is True
    assert WorkerBeat.objects.filter(worker_id=heartbeat.worker_id).exists()
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2, lines  # one line when beats stop, one when they are back
    assert "could not beat" in lines[0]
    assert "beats again" in lines[1]


# --- Mail at most once -----------------------------------------------------------------------


def delivered(inbox: Inbox) -> list[email.message.EmailMessage]:
    return [email.message_from_string(raw, policy=email.policy.default) for raw in inbox.messages]


@pytest.mark.django_db(transaction=True)
def test_a_mail_task_run_again_after_delivery_does_not_send_it_twice(smtp_port):  # noqa: F811
    mail.EmailMessage("Hi", "Body", to=["someone@example.com"]).send()
    [queued] = queued_mail()
    with Inbox(smtp_port) as inbox:
        call_command("worker", batch=True, verbosity=0)
        # As if its worker had died before marking it done: the lease puts it back.
        DBTaskResult.objects.filter(pk=queued.pk).update(status=TaskResultStatus.READY)
        call_command("worker", batch=True, verbosity=0)
    [message] = delivered(inbox)
    assert message["Message-ID"] == f"<{queued.pk}.mail@localhost>"
    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value == "delivered already to someone@example.com"
    assert MailDelivery.objects.filter(mail_id=str(queued.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_a_retried_mail_keeps_its_message_id_and_is_sent_once(smtp_port):  # noqa: F811
    mail.EmailMessage("Hi", "Body", from_email="Eternity <noreply@eternity.example>",
                      to=["someone@example.com"]).send()  # fmt: skip
    [first] = queued_mail()
    call_command("worker", batch=True, verbosity=0)  # the server is down: a retry is queued
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    with Inbox(smtp_port) as inbox:
        call_command("worker", batch=True, verbosity=0)
        # A second retry of the same mail (its first attempt's worker died after queueing
        # one) finds the mail delivered.
        message = first.args_kwargs["kwargs"]["message"] | {"mail_id": str(first.pk)}
        deliver_mail.enqueue(message=message, attempt=2)
        call_command("worker", batch=True, verbosity=0)
    [message] = delivered(inbox)
    assert message["Message-ID"] == f"<{first.pk}.mail@eternity.example>"
    results = sorted(result.return_value for result in queued_mail())
    assert results[0] == "delivered already to someone@example.com"
    assert results[1].startswith("not sent")
    assert results[2] == "sent to someone@example.com"


def test_delivery_records_are_kept_a_week_then_deleted():
    from apps.core.tasks import prune_finished_tasks

    MailDelivery.objects.create(mail_id="recent")
    MailDelivery.objects.create(mail_id="old")
    MailDelivery.objects.filter(mail_id="old").update(
        delivered_at=timezone.now() - timedelta(days=8)
    )
    prune_finished_tasks.call()
    assert list(MailDelivery.objects.values_list("mail_id", flat=True)) == ["recent"]
