"""/readyz/ and /metrics of real gunicorn nodes (two workers each, metrics summed across them
as in production) while Redis or the database is away, and two nodes telling their metrics
apart by name."""

import re
import subprocess
import time

import pytest
import requests

from tests.servers import (
    HeldPort,
    free_port,
    own_database,
    prepare_database,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

TOKEN = "scraper-token-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    with own_database(tmp_path_factory.mktemp("db")) as url:
        prepare_database(server_env(url), create_user=False)
        yield url


def node(database: str, name: str, **extra: str) -> tuple[subprocess.Popen, str]:
    env = server_env(database, WEB_CONCURRENCY="2", METRICS_TOKEN=TOKEN, NODE_NAME=name, **extra)
    port = free_port()
    process = start_gunicorn(env, port)
    url = f"http://127.0.0.1:{port}"
    wait_until_up(url, process, seconds=60)
    return process, url


def gauge(url: str, dependency: str, name: str) -> str | None:
    text = requests.get(f"{url}/metrics", headers=BEARER, timeout=10).text
    sample = re.search(
        rf'^eternity_dependency_up\{{dependency="{dependency}",node="{name}"\}} (\S+)$',
        text,
        re.MULTILINE,
    )
    return sample and sample.group(1)


def ready(url: str) -> tuple[int, dict]:
    response = requests.get(f"{url}/readyz/", timeout=10)
    return response.status_code, response.json()


def test_with_redis_down_the_node_stays_ready_and_says_degraded_until_redis_is_back(database):
    redis_port = HeldPort()
    process, url = node(database, "web-1", REDIS_URL=f"redis://127.0.0.1:{redis_port.port}/0")
    redis = None
    try:
        for _ in range(4):  # whichever of the two workers answers
            assert ready(url) == (200, {"status": "degraded", "problems": ["cache unavailable"]})
        assert requests.get(f"{url}/", timeout=10).status_code == 200
        for _ in range(4):  # whichever worker is scraped, the latest check's value
            assert gauge(url, "cache", "web-1") == "0.0"
            assert gauge(url, "database", "web-1") == "1.0"

        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port.release()), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60  # the breaker skips Redis for 5 s after a failure
        while ready(url) != (200, {"status": "ok"}):
            assert time.monotonic() < deadline, ready(url)
            time.sleep(0.5)
        assert gauge(url, "cache", "web-1") == "1.0"
    finally:
        stop(process)
        if redis is not None:
            stop(redis)


def test_with_the_database_down_the_node_is_unready(tmp_path):
    closed = HeldPort()
    process, url = node(f"postgres://postgres@127.0.0.1:{closed.port}/nowhere", "web-2")
    try:
        status, body = ready(url)
        assert status == 503
        assert body["status"] == "unavailable"
        assert "database unavailable" in body["problems"]
        assert gauge(url, "database", "web-2") == "0.0"
    finally:
        stop(process)
        closed.release()


def test_two_nodes_label_every_sample_with_their_own_name(database):
    first, first_url = node(database, "web-a")
    second, second_url = node(database, "web-b")
    try:
        for url, name, other in ((first_url, "web-a", "web-b"), (second_url, "web-b", "web-a")):
            requests.get(f"{url}/", timeout=10)
            ready(url)
            text = requests.get(f"{url}/metrics", headers=BEARER, timeout=10).text
            samples = [line for line in text.splitlines() if line and not line.startswith("#")]
            assert any(line.startswith("django_http_responses_total{") for line in samples)
            assert all(f'node="{name}"' in line for line in samples), text[:2000]
            assert f'node="{other}"' not in text
            assert gauge(url, "database", name) == "1.0"
    finally:
        stop(first)
        stop(second)
