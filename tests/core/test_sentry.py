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


def test_a_server_error_reaches_sentry_with_its_request_id_and_no_personal_data(tmp_path):
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
        dsn = f"http://public@127.0.0.1:{server.server_port}/1"
        status, request_id = run(site_env(tmp_path, SENTRY_DSN=dsn))
    finally:
        server.shutdown()
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
