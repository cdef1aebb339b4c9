"""Helpers for tests that start real processes (gunicorn, honcho, the container entrypoint)
against a database of their own."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
MANAGE = [sys.executable, "manage.py"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class HeldPort:
    """A loopback port kept bound, not listening, until released: connections to it are
    refused like to a server that is down, and no other socket (an outgoing connection's
    local end included) can be given it meanwhile, so a server started on it later can bind."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]

    def release(self) -> int:
        self._socket.close()
        return self.port


@contextmanager
def own_database(tmp_path: Path, server: str | None = None) -> Iterator[str]:
    """A database of its own (not the test database) on the suite's engine, or on the
    PostgreSQL server `server` names (a postgres:// URL; "" for SQLite)."""
    url = os.environ.get("DATABASE_URL", "") if server is None else server
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    name = f"eternity_proc_{uuid.uuid4().hex[:8]}"
    base = url.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env | {
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": database_url,
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "DEBUG": "0",
        "SITE_URL": "http://testserver",
        "PYTHONPATH": str(ROOT),
        "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        **extra,
    }


def prepare_database(env: dict[str, str], create_user: bool = True) -> None:
    for command in (["migrate", "--noinput", "-v0"], ["createcachetable"]):
        subprocess.run([*MANAGE, *command], cwd=ROOT, env=env, check=True, timeout=180)
    if create_user:
        script = "from tests.factories import UserFactory; UserFactory(username='alice')"
        subprocess.run([*MANAGE, "shell", "-c", script], cwd=ROOT, env=env, check=True,
                       timeout=60)  # fmt: skip


def wait_until_up(url: str, process: subprocess.Popen | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{url}/healthz/", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or workers still booting
            pass
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{url}: the process exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not start")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def stop_group(process: subprocess.Popen, seconds: float = 30) -> None:
    """Stop a process started with `start_new_session=True` and everything it started."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def start_gunicorn(env: dict[str, str], port: int, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", *args],
        cwd=ROOT, env=env,
    )  # fmt: skip


# The production settings, with static files collected into the site's own folder.
PRODUCTION_SETTINGS = """
import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["PRODUCTION_STATIC_ROOT"]
"""


@dataclass
class ProductionSite:
    url: str
    env: dict[str, str]
    setup_output: str  # what the setup script printed


@contextmanager
def production_site(folder: Path, setup: str = "") -> Iterator[ProductionSite]:
    """The site as it is deployed: gunicorn with DEBUG=0, its static files collected into a
    folder of their own (hashed names, compressed copies, whitenoise's year of caching), on a
    database of its own; `setup`, a script run in the server's environment after the
    migrations (demo data, sessions), prints what the test needs."""
    (folder / "production_settings.py").write_text(PRODUCTION_SETTINGS)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with own_database(folder) as database:
        env = server_env(
            database,
            DJANGO_SETTINGS_MODULE="production_settings",
            PYTHONPATH=f"{ROOT}:{folder}",
            SECRET_KEY="production-test-secret-" + "x" * 40,
            ALLOWED_HOSTS="127.0.0.1",
            SITE_URL=url,
            PRODUCTION_STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            # Staff sign in with a second factor in production; test staff have none.
            STAFF_REQUIRE_TWO_FACTOR="0",
            WEB_CONCURRENCY="2",
            GUNICORN_ACCESS_LOG="",
        )
        subprocess.run([*MANAGE, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                       check=True, timeout=300)  # fmt: skip
        prepare_database(env, create_user=False)
        output = ""
        if setup:
            output = subprocess.run(
                [*MANAGE, "shell", "-c", setup], cwd=ROOT, env=env, check=True,
                capture_output=True, text=True, timeout=120,
            ).stdout  # fmt: skip
        process = start_gunicorn(env, port)
        try:
            wait_until_up(url, process, seconds=60)
            yield ProductionSite(url=url, env=env, setup_output=output)
        finally:
            stop(process)


@contextmanager
def s3_bucket(name: str, public_prefix: str = "") -> Iterator[tuple[str, object]]:
    """A bucket on moto's S3 server (server mode: a real HTTP endpoint, as the site and its
    processes reach a bucket), stopped afterwards: (its endpoint, a boto3 client for it).
    `public_prefix` ("static/"): a bucket policy letting anyone read the keys under it, as an
    operator sets one up for STATIC_STORAGE=s3 (docs/operations.md), and nothing else."""
    import json

    import boto3
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
        client.create_bucket(Bucket=name)
        if public_prefix:
            policy = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                               "Resource": f"arn:aws:s3:::{name}/{public_prefix}*"}],
            }  # fmt: skip
            client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        yield endpoint, client
    finally:
        server.stop()
