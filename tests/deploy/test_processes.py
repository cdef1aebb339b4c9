"""The container entrypoint, the Procfile (through honcho) and gunicorn, run for real."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.servers import (
    ROOT,
    free_port,
    own_database,
    prepare_database,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with own_database(tmp_path_factory.mktemp("db")) as database:
        environment = server_env(database, WEB_CONCURRENCY="2")
        prepare_database(environment, create_user=False)
        yield environment


def test_the_entrypoint_binds_where_the_seeds_argument_says(env):
    port = free_port()
    process = subprocess.Popen([ENTRYPOINT, f"0.0.0.0:{port}"], env=env)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200
    finally:
        stop(process)


def test_the_entrypoint_without_arguments_binds_the_platform_port(env):
    port = free_port()
    process = subprocess.Popen([ENTRYPOINT], env=env | {"PORT": str(port)})
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
    finally:
        stop(process)


def test_the_entrypoint_runs_any_other_command(env):
    result = subprocess.run(
        [ENTRYPOINT, "python", "manage.py", "check"], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_entrypoint_refuses_a_malformed_bind(env):
    result = subprocess.run([ENTRYPOINT, "0.0.0.0:8000", "extra"], env=env, capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert result.returncode == 64
    assert "expected one HOST:PORT" in result.stderr


def test_the_healthcheck_answers_whatever_host_the_probe_sends(env):
    port = free_port()
    token = "scraper-token-0123456789"
    process = subprocess.Popen([ENTRYPOINT, f"127.0.0.1:{port}"],
                               env=env | {"METRICS_TOKEN": token})  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        # What the Dockerfile's HEALTHCHECK runs, against the same port.
        probe = subprocess.run(
            [sys.executable, "-c", "import urllib.request; "
             f"urllib.request.urlopen('{url}/healthz/', timeout=4)"],
            timeout=30,
        )  # fmt: skip
        assert probe.returncode == 0
        # A load balancer probing by instance IP sends a Host the site does not serve.
        foreign = {"Host": "10.1.2.3"}
        assert requests.get(f"{url}/healthz/", headers=foreign, timeout=5).status_code == 200
        readiness = requests.get(f"{url}/readyz/", headers=foreign, timeout=10)
        assert readiness.status_code == 200
        assert readiness.json() == {"status": "ok"}
        # Prometheus scrapes each node at its own address, with the token.
        assert requests.get(f"{url}/metrics", headers=foreign, timeout=10).status_code == 401
        bearer = foreign | {"Authorization": f"Bearer {token}"}
        scrape = requests.get(f"{url}/metrics", headers=bearer, timeout=10)
        assert scrape.status_code == 200
        assert "eternity_dependency_up" in scrape.text
        # Anything else for that Host gets no answer at all from nginx (deploy/nginx.conf).
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{url}/", headers=foreign, timeout=5)
    finally:
        stop(process)


def test_honcho_runs_the_procfile_release_then_web(tmp_path):
    honcho = Path(sys.executable).parent / "honcho"
    with own_database(tmp_path) as database:
        env = server_env(database)
        release = subprocess.run([honcho, "start", "release"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=180)  # fmt: skip
        assert release.returncode == 0, release.stdout + release.stderr
        port = free_port()
        web = subprocess.Popen([honcho, "start", "--port", str(port), "web"], cwd=ROOT, env=env,
                               start_new_session=True)  # fmt: skip
        try:
            wait_until_up(f"http://127.0.0.1:{port}", web)
            page = requests.get(f"http://127.0.0.1:{port}/", timeout=5)
            assert page.status_code == 200
            assert "ETERNITY" in page.text
        finally:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=20)


def test_a_graceful_reload_drops_no_request(env):
    port = free_port()
    process = start_gunicorn(env, port)
    url = f"http://127.0.0.1:{port}"
    failures, done = [], threading.Event()
    count = 0

    def hammer():
        nonlocal count
        session = requests.Session()
        while not done.is_set():
            try:
                response = session.get(f"{url}/readyz/", timeout=10)
                if response.status_code != 200:
                    failures.append(response.status_code)
            except requests.RequestException as error:
                failures.append(repr(error))
            count += 1

    try:
        wait_until_up(url, process)
        workers = [threading.Thread(target=hammer) for _ in range(4)]
        for worker in workers:
            worker.start()
        time.sleep(0.5)
        process.send_signal(signal.SIGHUP)
        time.sleep(3)
        process.send_signal(signal.SIGHUP)
        time.sleep(2)
        done.set()
        for worker in workers:
            worker.join(timeout=15)
    finally:
        done.set()
        stop(process)
    assert count > 50
    assert failures == []
