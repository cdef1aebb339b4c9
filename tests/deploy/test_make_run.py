"""`make run` as a developer types it, with manage.py replaced by a stand-in that records each
command it is given and the SITE_URL the settings build in that process."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.servers import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

STAND_IN = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
from django.conf import settings
with open(os.environ["RECORDED"], "a") as record:
    record.write(json.dumps([sys.argv[1:], settings.SITE_URL]) + "\\n")
# The server returns only once the worker beside it has recorded itself: make's `kill 0` on
# exit would otherwise stop a worker still importing its settings.
deadline = time.monotonic() + 30
while sys.argv[1:2] == ["runserver"] and time.monotonic() < deadline:
    if '[["worker"]' in open(os.environ["RECORDED"]).read():
        break
    time.sleep(0.05)
"""


def make_run(tmp_path, *arguments: str, **env: str) -> list[list]:
    """Run `make run` to its end (the stand-in returns at once), its prerequisites included
    but the virtualenv's installation; return what each manage.py command was given."""
    stand_in = tmp_path / "manage.py"
    stand_in.write_text(STAND_IN)
    recorded = tmp_path / "recorded.jsonl"
    clean = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT", "DEBUG"}}
    process = subprocess.run(
        ["make", "--no-print-directory", "run", "-o", ".venv/.installed-runtime",
         f"MANAGE={sys.executable} {stand_in}", *arguments],
        cwd=ROOT, env={**clean, "RECORDED": str(recorded), **env}, capture_output=True,
        text=True, timeout=120, start_new_session=True,  # its `trap 'kill 0'` stops its own group
    )  # fmt: skip
    assert recorded.exists(), process.stderr
    return [json.loads(line) for line in recorded.read_text().splitlines()]


def test_make_run_serves_on_the_port_it_is_given_and_mail_links_follow_it(tmp_path):
    commands = make_run(tmp_path, "PORT=8001")
    assert ["runserver", "127.0.0.1:8001"] in [argv for argv, _ in commands]
    assert ["worker"] in [argv for argv, _ in commands]
    # Every process, the worker that sends the mail included, links to that port.
    assert {site_url for _, site_url in commands} == {"http://127.0.0.1:8001"}


def test_make_run_serves_on_8000_by_default(tmp_path):
    commands = make_run(tmp_path)
    assert ["runserver", "127.0.0.1:8000"] in [argv for argv, _ in commands]
    assert {site_url for _, site_url in commands} == {"http://127.0.0.1:8000"}


def test_a_site_url_that_is_set_is_kept_whatever_the_port(tmp_path):
    commands = make_run(tmp_path, "PORT=8001", SITE_URL="https://dev.example.com")
    assert ["runserver", "127.0.0.1:8001"] in [argv for argv, _ in commands]
    assert {site_url for _, site_url in commands} == {"https://dev.example.com"}
