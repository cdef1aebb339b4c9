"""/healthz/ (the process is alive) and /readyz/ (the node can serve pages), as a load
balancer, an orchestrator and a scraper see them."""

import socket
import threading
import time
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.test import Client

from tests.core.test_metrics import value
from tests.servers import HeldPort

pytestmark = pytest.mark.django_db
TOKEN = "a-scraper-token-of-some-length"


def redis_at(settings, port: int) -> None:
    """The site's Redis cache, as settings.py makes it, at 127.0.0.1:port."""
    settings.CACHES = settings.CACHES | {
        "default": {
            "BACKEND": "apps.core.ops.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/6",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.fixture
def redis_down(settings):
    closed = HeldPort()
    redis_at(settings, closed.port)
    yield
    closed.release()


@pytest.fixture
def redis_hung(settings):
    """A Redis that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    held = []
    threading.Thread(target=lambda: held.append(listener.accept()), daemon=True).start()
    redis_at(settings, listener.getsockname()[1])
    yield
    listener.close()


@pytest.fixture
def scraper(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.NODE_NAME = "web-7"
    return Client(headers={"Authorization": f"Bearer {TOKEN}"})


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_answers_a_probe_whatever_host_it_names(client):
    # A load balancer or Kubernetes probes the instance's address, not the site's name.
    response = client.get("/readyz/", headers={"Host": "10.1.2.3:8000"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_503_with_a_reason_when_the_database_is_down(client):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with mock.patch("apps.core.ops.health.connection.cursor", side_effect=refuse):
        response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "database unavailable" in response.json()["problems"]


def test_with_redis_down_readyz_stays_200_and_says_degraded(client, redis_down):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "problems": ["cache unavailable"]}


def test_a_hung_redis_keeps_the_readiness_check_short(client, redis_hung):
    start = time.monotonic()
    first = client.get("/readyz/")
    first_took = time.monotonic() - start
    start = time.monotonic()
    second = client.get("/readyz/")
    second_took = time.monotonic() - start
    degraded = {"status": "degraded", "problems": ["cache unavailable"]}
    assert first.json() == second.json() == degraded
    # One socket timeout (0.5 s), then none while the breaker is open.
    assert first_took < 2
    assert second_took < 0.4


def test_the_dependency_gauge_follows_each_readiness_check(scraper, settings):
    scraper.get("/readyz/")
    text = scraper.get("/metrics").content.decode()
    assert value(text, 'eternity_dependency_up{dependency="database"}') == 1
    assert value(text, 'eternity_dependency_up{dependency="cache"}') == 1

    closed = HeldPort()
    redis_at(settings, closed.port)
    try:
        scraper.get("/readyz/")
        text = scraper.get("/metrics").content.decode()
    finally:
        closed.release()
    assert value(text, 'eternity_dependency_up{dependency="database"}') == 1
    assert 'eternity_dependency_up{dependency="cache",node="web-7"} 0.0' in text


def test_health_checks_refuse_writes(client):
    assert client.post("/healthz/").status_code == 405
    assert client.post("/readyz/").status_code == 405
