"""The task worker as a real process beside gunicorn, with a mail server that is down, comes
back, or hangs."""

import email
import email.policy
import re
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
