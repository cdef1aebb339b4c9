"""Presence across machines: two real app servers (gunicorn, two workers each) on different
ports share one database. Log in through A, poll through B; log out through A, poll B."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def shared_database(tmp_path):
    """A database of its own (not the test database), on the same engine as the suite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    name = f"eternity_two_servers_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def server_env(shared_database):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": shared_database,
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "DEBUG": "0",
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, timeout=120)
    create = (
        "from tests.factories import UserFactory; UserFactory(username='alice', first_name='Alice')"
    )
    subprocess.run([*manage, "shell", "-c", create], cwd=ROOT, env=env, check=True, timeout=60)
    return env


@pytest.fixture
def two_servers(server_env):
    processes, urls = [], []
    for _ in range(2):
        port = free_port()
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "2", "--log-level", "warning"],
                cwd=ROOT,
                env=server_env,
            )
        )  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    for url in urls:
        while True:
            try:
                if requests.get(f"{url}/healthz/", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, f"{url} did not start"
            time.sleep(0.2)
    yield urls
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


def csrf_token(session: requests.Session, url: str) -> str:
    html = session.get(url, timeout=5).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def status_seen_through(url: str) -> str:
    html = requests.get(
        f"{url}/presence/", params={"u": "alice"}, headers={"HX-Request": "true"}, timeout=5
    ).text
    for label in ("Online", "Last seen", "Offline"):
        if label in html:
            return label
    raise AssertionError(html)


def test_login_through_one_server_is_seen_through_the_other(two_servers):
    server_a, server_b = two_servers
    assert status_seen_through(server_b) == "Offline"

    browser = requests.Session()
    token = csrf_token(browser, f"{server_a}/accounts/login/")
    response = browser.post(
        f"{server_a}/accounts/login/",
        data={
            "login": "alice",
            "password": "a-long-test-password-42",
            "csrfmiddlewaretoken": token,
        },
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302, response.text[:500]
    assert status_seen_through(server_b) == "Online"

    token = csrf_token(browser, f"{server_a}/accounts/logout/")
    response = browser.post(
        f"{server_a}/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 302
    assert status_seen_through(server_b) == "Last seen"
