"""Background work: mail leaves through the queue and survives a mail server that is down or
hung; periodic jobs run themselves, once per interval, decided in the database; outages of
the database or Redis lock nobody out."""

import email
import email.policy
import re
import socket
import threading
import time
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache.backends.redis import RedisCacheClient
from django.core.management import call_command
from django.db import OperationalError, connection
from django.tasks import TaskContext
from django.test import Client
from django.utils.module_loading import autodiscover_modules
from django_tasks_db.models import DBTaskResult

from apps.core.jobs import periodic
from apps.core.jobs.mail import deliver_mail
from apps.core.models import PeriodicRun, WorkerBeat
from apps.presence.tasks import sweep_presence
from apps.profiles.models import Profile
from tests.factories import PASSWORD, UserFactory
from tests.proof_of_work import signup_data
from tests.servers import free_port

pytestmark = pytest.mark.django_db
User = get_user_model()


class Inbox:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self, port: int, refuse_recipients: bool = False) -> None:
        self.messages: list[str] = []
        self.refuse_recipients = refuse_recipients
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if self.refuse_recipients:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content.decode())
        return "250 Message accepted"

    def __enter__(self) -> "Inbox":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


def smtp_on(port: int) -> dict:
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 2},
    }


@pytest.fixture
def smtp_port(settings):
    """Mail through the queue to an SMTP server on this port (nothing listens there yet)."""
    port = free_port()
    settings.MAILERS = {
        "default": {"BACKEND": "apps.core.jobs.mail.QueuedEmailBackend"},
        "outbound": smtp_on(port),
    }
    settings.MAIL_RETRY_SECONDS = 30
    return port


def signup(client: Client, username: str = "newbie"):
    data = signup_data(client, email=f"{username}@example.com", username=username)
    return client.post("/accounts/signup/", data)


def queued_mail() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path="apps.core.jobs.mail.deliver_mail"))


def run_here(queued: DBTaskResult):
    """Run a queued task in the test, as the worker would (with its context)."""
    return queued.task.call(
        TaskContext(task_result=queued.task_result), **queued.args_kwargs["kwargs"]
    )


# --- Requests only queue mail --------------------------------------------------------------


def test_signup_with_the_mail_server_down_creates_one_account_and_says_mail_is_coming(
    client, smtp_port
):
    response = signup(client)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "We have sent an email to you for verification" in page
    assert User.objects.filter(username="newbie").count() == 1
    [queued] = queued_mail()
    assert queued.args_kwargs["kwargs"]["message"]["to"] == ["newbie@example.com"]
    assert queued.status == "READY"


def test_reset_resend_and_email_change_never_wait_for_the_mail_server(client, smtp_port, user):
    with mock.patch("smtplib.SMTP", side_effect=AssertionError("a request talked to SMTP")):
        assert client.post("/accounts/password/reset/", {"email": "alice@example.com"}
                           ).status_code == 302  # fmt: skip
        client.force_login(user)
        response = client.post(
            "/accounts/email/", {"email": "alice@example.com", "action_send": ""}
        )
        assert response.status_code in {200, 302}
        response = client.post(
            "/settings/profile/email/",
            {"email-email": "alice.new@example.com", "email-password": PASSWORD},
            headers={"HX-Request": "true"},
        )
        assert "We sent a confirmation link to alice.new@example.com" in response.content.decode()
    assert len(queued_mail()) == 3


def test_a_hung_mail_server_does_not_hold_the_request(client, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections, never says a word
    settings.MAILERS = {
        "default": {"BACKEND": "apps.core.jobs.mail.QueuedEmailBackend"},
        "outbound": smtp_on(listener.getsockname()[1]),
    }
    started = time.monotonic()
    assert signup(client).status_code == 302
    assert time.monotonic() - started < 1
    listener.close()


# --- The worker delivers, retries, gives up visibly ------------------------------------------


def test_a_mail_to_a_server_that_is_down_is_tried_again_later(smtp_port):
    mail.EmailMessage("Hi", "Body", to=["someone@example.com"]).send()
    [queued] = queued_mail()
    result = run_here(queued)
    assert result.startswith("not sent")
    retry = DBTaskResult.objects.exclude(pk=queued.pk).get()
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after is not None
    assert 25 < (retry.run_after - retry.enqueued_at).total_seconds() < 35
    assert retry.args_kwargs["kwargs"]["message"]["mail_id"] == str(
        queued.pk
    )  # the same mail, once


@pytest.mark.django_db(transaction=True)
def test_the_worker_delivers_queued_mail_once_the_server_is_back(smtp_port, client):
    signup(client)
    with Inbox(smtp_port) as inbox:
        call_command("worker", batch=True, verbosity=0)
    [raw] = inbox.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["To"] == "newbie@example.com"
    body = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://testserver(/accounts/confirm-email/\S+)", body).group(1)
    assert client.post(link).status_code == 302
    assert [result.status for result in queued_mail()] == ["SUCCESSFUL"]


@pytest.mark.django_db(transaction=True)
def test_mail_queued_before_core_was_split_is_still_delivered(smtp_port, client):
    from importlib import import_module

    from django.apps import apps

    signup(client)
    DBTaskResult.objects.update(task_path="apps.core.mail.deliver_mail")  # as queued before
    import_module("apps.core.migrations.0001_task_paths_after_the_split").rename(apps, None)
    with Inbox(smtp_port) as inbox:
        call_command("worker", batch=True, verbosity=0)
    [raw] = inbox.messages
    assert "newbie@example.com" in raw
    assert [result.status for result in queued_mail()] == ["SUCCESSFUL"]


@pytest.mark.django_db(transaction=True)
def test_a_mail_that_finally_fails_is_shown_to_staff_with_its_error(smtp_port, settings, client):
    settings.MAIL_MAX_ATTEMPTS = 1
    mail.EmailMessage(
        "Hi", "https://testserver/reset/key-4f2a9/", to=["someone@example.com"]
    ).send()
    call_command("worker", batch=True, verbosity=0)
    [failed] = queued_mail()
    assert failed.status == "FAILED"
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/django_tasks_database/dbtaskresult/{failed.pk}/change/").content
    assert b"ConnectionRefusedError" in page
    assert b"Mail to someone@example.com: Hi" in page
    assert b"key-4f2a9" not in page  # what the mail holds stays out of the admin


def test_a_permanent_refusal_is_not_retried(smtp_port):
    with Inbox(smtp_port, refuse_recipients=True):
        message = {"subject": "Hi", "body": "B", "from_email": "a@example.com",
                   "to": ["ghost@example.com"], "cc": [], "bcc": [], "reply_to": [],
                   "headers": {}, "alternatives": [], "attachments": []}  # fmt: skip
        deliver_mail.enqueue(message=message)
        with pytest.raises(Exception, match="No such mailbox"):
            run_here(queued_mail()[0])
    assert len(queued_mail()) == 1


# --- Periodic jobs ---------------------------------------------------------------------------


def test_each_periodic_job_is_enqueued_once_per_interval_however_many_workers_ask():
    autodiscover_modules("tasks")  # what the worker does first: each app's jobs register
    names = set(periodic.SCHEDULE)
    assert {"apps.presence.tasks.sweep_presence", "apps.core.tasks.clear_expired_sessions",
            "apps.core.tasks.prune_finished_tasks"} <= names  # fmt: skip
    start = 1_000_000 * 86_400.0  # the start of an interval of every job
    one, other = periodic.Scheduler(), periodic.Scheduler()  # two workers
    assert set(one.enqueue_due(start)) == names
    assert other.enqueue_due(start + 10) == []  # the database says it is done
    assert other.enqueue_due(start + 300) == ["apps.presence.tasks.sweep_presence"]
    assert one.enqueue_due(start + 310) == []
    assert DBTaskResult.objects.filter(task_path="apps.presence.tasks.sweep_presence").count() == 2


def test_periodic_jobs_run_once_per_interval_with_redis_unreachable(settings, resilient):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "apps.core.ops.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/5",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    autodiscover_modules("tasks")
    start = 2_000_000 * 86_400.0
    first = periodic.Scheduler().enqueue_due(start)
    assert set(first) == set(periodic.SCHEDULE)
    assert periodic.Scheduler().enqueue_due(start + 15) == []  # another worker, a tick later
    assert periodic.Scheduler().enqueue_due(start + 30) == []
    assert DBTaskResult.objects.count() == len(first)


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_racing_enqueue_each_job_once():
    autodiscover_modules("tasks")
    start = 2_500_000 * 86_400.0
    ready = threading.Barrier(2)
    enqueued: list[str] = []

    def worker() -> None:
        scheduler = periodic.Scheduler()
        ready.wait()
        deadline = time.monotonic() + 30
        while True:  # as the worker's scheduler: a tick that fails is tried at the next one
            try:
                enqueued.extend(scheduler.enqueue_due(start))
                return
            except OperationalError:  # SQLite's in-memory test database: "table is locked"
                assert time.monotonic() < deadline
                time.sleep(0.05)
            finally:
                connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Each job once, by one scheduler or the other. (A tick that fails half way, SQLite's
    # "table is locked", returns nothing for the jobs it did enqueue before failing, so the
    # database, not the names returned, is the count.)
    paths = list(DBTaskResult.objects.values_list("task_path", flat=True))
    assert sorted(paths) == sorted(periodic.SCHEDULE)
    assert len(enqueued) == len(set(enqueued))


def test_a_job_that_could_not_be_enqueued_is_tried_at_the_next_tick():
    start = 3_000_000 * 86_400.0
    flaky = mock.Mock()
    flaky.enqueue.side_effect = [OperationalError("database is locked"), None]
    scheduler = periodic.Scheduler()
    with mock.patch.dict(periodic.SCHEDULE, {"job": periodic.Periodic(flaky, 300)}, clear=True):
        with pytest.raises(OperationalError):
            scheduler.enqueue_due(start)
        assert not PeriodicRun.objects.exists()  # the interval's row went with the task
        assert scheduler.enqueue_due(start + 15) == ["job"]
    assert flaky.enqueue.call_count == 2


def test_a_jobs_rows_of_earlier_intervals_are_deleted_as_it_is_enqueued():
    job = mock.Mock()
    with mock.patch.dict(periodic.SCHEDULE, {"job": periodic.Periodic(job, 60)}, clear=True):
        for minute in range(10):
            periodic.Scheduler().enqueue_due(4_000_000 * 86_400.0 + minute * 60)
    assert job.enqueue.call_count == 10
    assert PeriodicRun.objects.filter(job="job").count() == 1 + periodic.KEPT_INTERVALS


def test_the_presence_sweep_job_marks_silent_members_offline():
    quiet = UserFactory()
    Profile.objects.filter(user=quiet).update(is_online=True, last_seen="2020-01-01T00:00:00Z")
    assert sweep_presence.call() == "1 member(s) marked offline"
    assert not Profile.objects.get(user=quiet).is_online


@pytest.mark.django_db(transaction=True)  # the worker closes its connections meanwhile
def test_the_worker_waits_out_a_database_outage_instead_of_dying():
    calls = []

    def db_worker(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")

    with (
        mock.patch("apps.core.management.commands.worker.call_command", side_effect=db_worker),
        mock.patch("apps.core.management.commands.worker.time.sleep") as sleep,
        mock.patch("apps.core.management.commands.worker.threading.Thread"),
    ):
        call_command("worker")
    assert len(calls) == 2
    sleep.assert_called_once()
    # Under a new id: a task the outage broke off stays RUNNING under the old, silent one,
    # and runs again once its lease is out.
    assert calls[0]["worker_id"] != calls[1]["worker_id"]
    assert not WorkerBeat.objects.exists()  # a worker that stops drops its beat


# --- Outages lock nobody out -----------------------------------------------------------------


def test_the_right_password_works_at_once_after_a_database_outage(user):
    client = Client(raise_request_exception=False)
    outage = OperationalError("could not connect to server")
    with mock.patch(
        "allauth.account.auth_backends.AuthenticationBackend.authenticate", side_effect=outage
    ):
        for _ in range(6):
            response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
            assert response.status_code == 503
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/settings/account/").status_code == 200


def test_wrong_passwords_still_count(user):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "alice", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


# --- Redis outages stay quiet and cheap ------------------------------------------------------


@pytest.fixture
def resilient():
    from apps.core.ops import cache

    cache._broken_until.clear()
    yield cache
    cache._broken_until.clear()


def test_with_redis_down_the_cache_skips_it_for_a_while_and_logs_once(caplog, resilient):
    unreachable = resilient.ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )
    client_get = RedisCacheClient.get
    with mock.patch.object(RedisCacheClient, "get", autospec=True, wraps=client_get) as real_get:
        started = time.monotonic()
        results = [unreachable.get("key", "fallback") for _ in range(200)]
        elapsed = time.monotonic() - started
    assert results == ["fallback"] * 200
    assert real_get.call_count == 1  # the other 199 calls never went near the network
    assert elapsed < 0.6
    warnings = [r for r in caplog.records if r.name == "apps.core.ops.cache"]
    assert len(warnings) == 1
    assert warnings[0].exc_info is None  # one line, not a traceback
    assert unreachable.add("lock", 1) is True  # rate limits fail open meanwhile


def test_the_login_limit_holds_whatever_host_or_name_is_used(user):
    for host in ("localhost", "127.0.0.1", "testserver", "localhost", "127.0.0.1"):
        Client(HTTP_HOST=host).post("/accounts/login/", {"login": "alice", "password": "no"})
    for login, host in (("ALICE@example.com", "testserver"), ("Alice", "localhost")):
        response = Client(HTTP_HOST=host).post(
            "/accounts/login/", {"login": login, "password": PASSWORD}
        )
        assert "Too many failed login attempts" in response.content.decode()
