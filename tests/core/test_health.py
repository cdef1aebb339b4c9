from unittest import mock

import pytest
from django.db.utils import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_is_503_with_a_reason_when_the_database_is_down(client):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with mock.patch("apps.core.ops.health.connection.cursor", side_effect=refuse):
        response = client.get("/readyz/")
    assert response.status_code == 503
    assert "database unavailable" in response.json()["problems"]


def test_readyz_is_503_when_the_cache_is_down(client):
    with mock.patch("apps.core.ops.health.cache.set", side_effect=ConnectionError("no cache")):
        response = client.get("/readyz/")
    assert response.status_code == 503
    assert response.json()["problems"] == ["cache unavailable"]


def test_health_checks_refuse_writes(client):
    assert client.post("/healthz/").status_code == 405
