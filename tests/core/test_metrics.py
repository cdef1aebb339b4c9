"""/metrics: refused to anyone without the operator's token, and its counters move with what
the site does (requests by view and status, presence polls, logins, the task queue)."""

import re

import pytest
from django.test import Client

from apps.core import tasks
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
TOKEN = "a-scraper-token-of-some-length"


NODE = "web-7"


@pytest.fixture
def scraper(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.NODE_NAME = NODE
    return Client(headers={"Authorization": f"Bearer {TOKEN}"})


def value(text: str, metric: str) -> float:
    """The sample `metric` (name and labels as printed, without the node label every sample
    carries), 0 if it is not there yet."""
    name, _, labels = metric.rstrip("}").partition("{")
    wanted = sorted([*filter(None, labels.split(",")), f'node="{NODE}"'])
    for line in text.splitlines():
        sample = re.fullmatch(r"([^{ ]+)(?:\{(.*)\})? (\S+)", line)
        if sample and sample[1] == name and sorted(sample[2].split(",")) == wanted:
            return float(sample[3])
    return 0.0


def test_without_a_token_configured_there_is_no_endpoint(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")  # not the site's page, unstyled
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_anyone_without_the_token_is_refused(scraper, header):
    headers = {"Authorization": header} if header else {}
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"django_http" not in response.content


def test_the_counters_move_with_requests_polls_and_logins(scraper, user):
    before = scraper.get("/metrics")
    assert before.status_code == 200
    assert before["Content-Type"].startswith("text/plain; version=")
    assert before["Cache-Control"].startswith("max-age=0")
    text = before.content.decode()
    served = 'django_http_responses_total{method="GET",status="200",view="feed:home"}'
    missing = 'django_http_responses_total{method="GET",status="404",view="<unresolved>"}'
    odd = 'django_http_responses_total{method="other",status="405",view="feed:home"}'
    polls = 'eternity_presence_polls_total{status="200"}'

    visitor = Client()
    visitor.get("/")
    visitor.get("/")
    visitor.get("/no-such-page/")
    visitor.generic("BREW", "/")
    visitor.get("/presence/", {"u": "alice"}, headers={"HX-Request": "true"})
    visitor.post("/accounts/login/", {"login": "alice", "password": "wrong-password"})
    visitor.post("/accounts/login/", {"login": "alice", "password": PASSWORD})

    after = scraper.get("/metrics").content.decode()
    assert value(after, served) == value(text, served) + 2
    assert value(after, missing) == value(text, missing) + 1
    assert value(after, odd) == value(text, odd) + 1
    assert "/no-such-page/" not in after
    assert value(after, polls) == value(text, polls) + 1
    assert value(after, "eternity_logins_total") == value(text, "eternity_logins_total") + 1
    assert value(after, "eternity_login_failures_total") == (
        value(text, "eternity_login_failures_total") + 1
    )
    latency = 'django_http_request_duration_seconds_count{method="GET",view="feed:home"}'
    assert value(after, latency) == value(text, latency) + 2


def test_the_task_queue_shows_what_waits_and_what_failed(scraper):
    tasks.clear_expired_sessions.enqueue()
    text = scraper.get("/metrics").content.decode()
    assert value(text, 'eternity_tasks{queue="default",status="READY"}') == 1
    assert value(text, "eternity_tasks_readable") == 1


def test_every_sample_names_the_node_that_answered(scraper, settings):
    scraper.get("/readyz/")
    lines = [
        line
        for line in scraper.get("/metrics").content.decode().splitlines()
        if line and not line.startswith("#")
    ]
    assert len(lines) > 10
    assert all(f'node="{NODE}"' in line for line in lines), lines
    settings.NODE_NAME = "web-8"
    assert 'node="web-8"' in scraper.get("/metrics").content.decode()


def test_a_scraper_reaching_the_node_by_its_address_is_answered(scraper):
    # Prometheus scrapes each node at its own address: a Host the site does not serve.
    node = {"Host": "10.1.2.3:8000"}
    assert scraper.get("/metrics", headers=node).status_code == 200
    assert Client().get("/metrics", headers=node).status_code == 401
