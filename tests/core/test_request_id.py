"""Each request has an id: in its X-Request-ID header, on its log lines, on its error page."""

import io
import json
import logging
import re

import pytest
from django.core.exceptions import DisallowedHost
from django.test import Client, override_settings
from django.urls import path

from apps.core.ops.logs import JsonFormatter
from apps.core.ops.requestid import RequestIdFilter, tag_sentry_event

pytestmark = pytest.mark.django_db


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]
handler500 = "apps.core.web.errors.server_error"


@pytest.fixture
def log_lines():
    """What the console handler of production settings would print, as JSON."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_a_page_names_its_request_and_the_404_page_shows_it(client):
    response = client.get("/no-such-page/")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert f"<code>{request_id}</code>" in response.content.decode()
    assert client.get("/no-such-page/")["X-Request-ID"] != request_id


def test_a_proxys_id_is_kept_and_anything_else_replaced(client):
    kept = client.get("/healthz/", headers={"X-Request-ID": "0f3a9c2e-77b1-4c1e"})
    assert kept["X-Request-ID"] == "0f3a9c2e-77b1-4c1e"
    replaced = client.get("/healthz/", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced["X-Request-ID"])


def test_the_log_line_of_a_request_carries_the_id_of_its_response(client, log_lines):
    response = client.get("/no-such-page/")
    [line] = log_lines()
    assert line["level"] == "WARNING"
    assert line["message"] == "Not Found: /no-such-page/"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["status"] == 404


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_page_gives_the_reference_logged_with_the_traceback(log_lines):
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    request_id = response["X-Request-ID"]
    assert f"<code>{request_id}</code>" in response.content.decode()
    [line] = log_lines()
    assert line["request_id"] == request_id
    assert "RuntimeError: a bug" in line["exception"]


def test_lines_written_outside_a_request_say_so():
    record = logging.LogRecord("apps.core", logging.INFO, __file__, 1, "tick", (), None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_sentry_drops_a_request_for_a_host_the_site_does_not_serve():
    error = DisallowedHost("Invalid HTTP_HOST header: 'evil.example'.")
    assert tag_sentry_event({}, {"exc_info": (DisallowedHost, error, None)}) is None
    assert tag_sentry_event({"logger": "django.security.DisallowedHost"}, {}) is None
    assert tag_sentry_event({}, {})["tags"]["request_id"] == "-"
