"""Error reports go to Sentry only when SENTRY_DSN is set, name their request id, and carry
no personal data: checked against a local server standing in for Sentry."""

import gzip
import json
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from tests.servers import ROOT, server_env

pytestmark = pytest.mark.process

SCRIPT = """
import django
django.setup()
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
import sentry_sdk

@csrf_exempt
def boom(request):
    raise RuntimeError("a bug in a view")

urlpatterns = [path("boom/", boom)]
handler500 = "apps.core.web.errors.server_error"

call_command("migrate", verbosity=0)
with override_settings(ROOT_URLCONF="__main__"):
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "cookie-nobody-may-read"
    response = client.post("/boom/", {"note": "words-nobody-may-read"},
                           headers={"User-Agent": "agent-nobody-may-read"},
                           REMOTE_ADDR="203.0.113.77")
print(response.status_code, response["X-Request-ID"])
sentry_sdk.flush(timeout=10)
"""


def run(env: dict[str, str]) -> list[str]:
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def site_env(tmp_path, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG=0) on a database of its own; static files come from the
    source folders, as collectstatic's manifest is a deploy step, not this test's subject."""
    env = server_env(f"sqlite:///{tmp_path / 'db.sqlite3'}", **extra)
    env.pop("SENTRY_DSN", None)
    return env | extra


@pytest.fixture
def sentry():
    """A local server standing in for Sentry: its DSN, and the envelopes it received."""
    received: list[str] = []

    class Sentry(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding", "")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "deflate":
                body = zlib.decompress(body)
            received.append(body.decode())
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Sentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://public@127.0.0.1:{server.server_port}/1", received
    finally:
        server.shutdown()


def test_a_server_error_reaches_sentry_with_its_request_id_and_no_personal_data(tmp_path, sentry):
    dsn, received = sentry
    status, request_id = run(site_env(tmp_path, SENTRY_DSN=dsn))
    assert status == "500"
    events = [
        json.loads(line)
        for envelope in received
        for line in envelope.splitlines()
        if '"exception"' in line
    ]
    assert len(events) == 1
    event = events[0]
    assert event["tags"]["request_id"] == request_id
    assert event["exception"]["values"][-1]["value"] == "a bug in a view"
    sent = "".join(received)
    for private in ("cookie-nobody-may-read", "words-nobody-may-read", "203.0.113.77"):
        assert private not in sent


def test_without_a_dsn_nothing_is_reported(tmp_path):
    env = site_env(tmp_path)
    status, _request_id = run(env)
    assert status == "500"
    check = "import django; django.setup(); import sentry_sdk; print(sentry_sdk.is_initialized())"
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=60, check=True)  # fmt: skip
    assert result.stdout.strip() == "False"


UNSERVED_HOST = SCRIPT.replace(
    "with override_settings",
    """unserved = Client(HTTP_HOST="evil.example", HTTP_X_REQUEST_ID="unserved-0042").get("/")
print(unserved.status_code)
with override_settings""",
)


def test_a_request_for_a_host_the_site_does_not_serve_is_one_log_line_and_no_report(
    tmp_path, sentry
):
    dsn, received = sentry
    result = subprocess.run([sys.executable, "-c", UNSERVED_HOST], cwd=ROOT, text=True,
                            env=site_env(tmp_path, SENTRY_DSN=dsn), capture_output=True,
                            timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr
    unserved_status, error_status, _request_id = result.stdout.split()
    assert (unserved_status, error_status) == ("400", "500")
    [line] = [json.loads(line) for line in result.stderr.splitlines() if "evil.example" in line]
    assert line["logger"] == "django.security.DisallowedHost"
    assert line["level"] == "WARNING"
    assert line["request_id"] == "unserved-0042"
    assert "Invalid HTTP_HOST header: 'evil.example'" in line["message"]
    assert "exception" not in line
    [with_traceback] = [line for line in result.stderr.splitlines() if "Traceback" in line]
    assert json.loads(with_traceback)["status"] == 500  # the real error's, only
    sent = "".join(received)
    assert "evil.example" not in sent
    assert "a bug in a view" in sent  # a real error still reaches Sentry
