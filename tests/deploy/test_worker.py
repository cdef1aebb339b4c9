"""The task worker as a real process beside gunicorn, with a mail server that is down, comes
back, or hangs, and a worker killed in the middle of a delivery."""

import asyncio
import email
import email.policy
import json
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from tests.core.test_background import Inbox
from tests.factories import PASSWORD
from tests.proof_of_work import CHALLENGE_URL, solve
from tests.servers import (
    MANAGE,
    ROOT,
    HeldPort,
    free_port,
    own_database,
    prepare_database,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)


def sign_up(url: str, username: str) -> tuple[requests.Response, float]:
    session = requests.Session()
    session.get(f"{url}/accounts/signup/", timeout=10)
    answer = solve(session.get(f"{url}{CHALLENGE_URL}", timeout=10).json())
    started = time.monotonic()
    response = session.post(
        f"{url}/accounts/signup/",
        data={"email": f"{username}@example.com", "username": username,
              "password1": PASSWORD, "password2": PASSWORD, "altcha": answer,
              "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    return response, time.monotonic() - started


@contextmanager
def site(tmp_path, smtp_port: int, worker: bool = True, **extra: str) -> Iterator[tuple]:
    """gunicorn (one worker) and, unless told otherwise, the task worker, on a database of
    their own, sending mail to an SMTP server on loopback at `smtp_port`; yields the URL,
    the environment and the processes."""
    with own_database(tmp_path) as database:
        env = server_env(database, EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_port),
                         EMAIL_USE_TLS="0", WEB_CONCURRENCY="1", **extra)  # fmt: skip
        prepare_database(env, create_user=False)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        processes = [start_gunicorn(env, port)]
        if worker:
            processes.append(subprocess.Popen([*MANAGE, "worker"], cwd=ROOT, env=env))
        try:
            wait_until_up(url, processes[0])
            yield url, env, processes
        finally:
            for process in processes:
                stop(process)


def test_the_worker_delivers_the_signup_mail_once_the_mail_server_is_back(tmp_path):
    smtp = HeldPort()  # the mail server is down, and its port stays free for it
    with site(tmp_path, smtp.port, MAIL_RETRY_SECONDS="1") as (url, _, (_, worker)):
        response, _ = sign_up(url, "newbie")
        assert response.status_code == 302
        time.sleep(2)  # the worker tries, finds nobody listening, plans another try
        assert worker.poll() is None
        with Inbox(smtp.release()) as inbox:
            deadline = time.monotonic() + 30
            while not inbox.messages and time.monotonic() < deadline:
                time.sleep(0.2)
        [raw] = inbox.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["To"] == "newbie@example.com"
    assert "/accounts/confirm-email/" in message.get_body(("plain",)).get_content()


def test_a_hung_mail_server_slows_neither_the_signup_nor_other_visitors(tmp_path):
    hung = socket.socket()
    hung.bind(("127.0.0.1", 0))
    hung.listen()  # accepts connections, never answers
    timings = {}
    with site(tmp_path, hung.getsockname()[1]) as (url, _, (_, worker)):

        def visit() -> None:
            started = time.monotonic()
            assert requests.get(f"{url}/", timeout=30).status_code == 200
            timings["visitor"] = time.monotonic() - started

        visitor = threading.Thread(target=visit)
        visitor.start()
        response, timings["signup"] = sign_up(url, "patient")
        visitor.join()
        assert response.status_code == 302
        assert worker.poll() is None  # the worker waits on the mail server, alive
    hung.close()
    assert timings["signup"] < 1, timings
    assert timings["visitor"] < 1, timings


def test_the_signup_mail_link_survives_the_wire(tmp_path):
    """What the worker sends through SMTP decodes to a link that works."""
    smtp = HeldPort()
    with site(tmp_path, smtp.port, worker=False) as (url, env, _):
        sign_up(url, "linker")
        with Inbox(smtp.release()) as inbox:
            subprocess.run([*MANAGE, "worker", "--batch"], cwd=ROOT, env=env, check=True,
                           timeout=60, capture_output=True)  # fmt: skip
        message = email.message_from_string(inbox.messages[0], policy=email.policy.default)
        body = message.get_body(("plain",)).get_content()
        path = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", body).group(1)
        session = requests.Session()
        assert session.get(f"{url}{path}", timeout=10).status_code == 200
        confirmed = session.post(
            f"{url}{path}", data={"csrfmiddlewaretoken": session.cookies["csrftoken"]},
            allow_redirects=False, timeout=10,
        )  # fmt: skip
        assert confirmed.status_code == 302


class StallingInbox(Inbox):
    """An SMTP server that takes in the first message and then says nothing for `stall`
    seconds (the client's SMTP conversation hangs after its last line), then accepts it, or,
    if `accept_stalled` is false, refuses it for now as a server whose client went away does
    not deliver. Every other message is accepted at once."""

    def __init__(self, port: int, stall: float, accept_stalled: bool) -> None:
        super().__init__(port)
        self.stall, self.accept_stalled = stall, accept_stalled
        self.stalled = threading.Event()
        self.stalled_message = ""

    async def handle_DATA(self, server, session, envelope):
        if not self.stalled.is_set():
            self.stalled_message = envelope.content.decode()
            self.stalled.set()
            await asyncio.sleep(self.stall)
            if not self.accept_stalled:
                return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def start_worker(env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen([*MANAGE, "worker"], cwd=ROOT, env=env, stdout=log, stderr=log)


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def mail_tasks(env: dict[str, str]) -> list[dict]:
    script = (
        "import json; from django_tasks_db.models import DBTaskResult; print(json.dumps(list("
        "DBTaskResult.objects.filter(task_path='apps.core.jobs.mail.deliver_mail')"
        ".values('id', 'status', 'worker_ids')), default=str))"
    )
    shell = subprocess.run([*MANAGE, "shell", "-v0", "-c", script], cwd=ROOT, env=env,
                           check=True, timeout=60, capture_output=True, text=True)  # fmt: skip
    return json.loads(shell.stdout.strip().splitlines()[-1])


def test_a_worker_killed_mid_delivery_is_replaced_and_the_mail_arrives_once(tmp_path):
    lease = 3
    smtp = StallingInbox(free_port(), stall=600, accept_stalled=False)
    with (
        smtp,
        site(tmp_path, smtp.controller.port, worker=False, TASK_LEASE_SECONDS=str(lease)) as (
            url,
            env,
            _,
        ),
        open(tmp_path / "first.log", "w") as first_log,
        open(tmp_path / "second.log", "w") as second_log,
    ):
        response, _ = sign_up(url, "crashy")
        assert response.status_code == 302
        first = start_worker(env, first_log)
        try:
            assert smtp.stalled.wait(timeout=90), "the worker never sent the mail"
        finally:
            first.send_signal(signal.SIGKILL)  # mid-conversation: the server has not said 250
            first.wait(timeout=10)
        killed = time.monotonic()
        second = start_worker(env, second_log)
        try:
            wait_for(lambda: smtp.messages, 90, "the mail, sent again by the second worker")
            arrived = time.monotonic() - killed
            time.sleep(2 * lease)  # more than a lease and a scheduler tick: nothing more comes
            assert second.poll() is None
        finally:
            stop(second)
        [raw] = smtp.messages
        tasks = mail_tasks(env)
    log = (tmp_path / "second.log").read_text()
    assert "lost its worker" in log, log
    assert arrived > lease / 2  # not before the killed worker's lease ran out
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["To"] == "crashy@example.com"
    assert "/accounts/confirm-email/" in message.get_body(("plain",)).get_content()
    # The copy the killed worker had sent carries the same Message-ID: had the server kept
    # it, a receiver could drop the second.
    stalled = email.message_from_string(smtp.stalled_message, policy=email.policy.default)
    assert stalled["Message-ID"] == message["Message-ID"]
    [task] = tasks
    assert task["status"] == "SUCCESSFUL"
    assert len(task["worker_ids"]) == 2  # run by the killed worker, then by the second


def test_a_terminated_worker_finishes_the_delivery_it_is_in_and_exits(tmp_path):
    smtp = StallingInbox(free_port(), stall=3, accept_stalled=True)
    with (
        smtp,
        site(tmp_path, smtp.controller.port, worker=False) as (url, env, _),
        open(tmp_path / "worker.log", "w") as log,
    ):
        sign_up(url, "patient")
        worker = start_worker(env, log)
        try:
            assert smtp.stalled.wait(timeout=90), "the worker never sent the mail"
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=60) == 0
        finally:
            stop(worker)
        assert len(smtp.messages) == 1
        [task] = mail_tasks(env)
    assert task["status"] == "SUCCESSFUL"
    assert len(task["worker_ids"]) == 1
