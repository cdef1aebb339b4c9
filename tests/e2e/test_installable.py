"""Lighthouse's installable-app checks pass on its phone preset, on the site served as in
production (gunicorn, DEBUG=0, collected static files with hashed names).

Lighthouse 12, which tests/e2e/test_lighthouse.py runs, has no "pwa" category any more;
Lighthouse 11 (the "lighthouse-pwa" alias in tests/lighthouse/package.json) is the last that
does. tests/lighthouse/pwa.mjs loads the page twice in one Chrome, so the second run sees the
service worker the first registered. Chromium's own verdict (DevTools' installability errors)
is checked in tests/e2e/test_app.py.
"""

import json
import os
import subprocess

import pytest

from tests.e2e.conftest import CHROMIUM
from tests.e2e.test_lighthouse import TOOL, tool_or_skip
from tests.servers import ROOT, production_site

pytestmark = [pytest.mark.e2e, pytest.mark.process]

# Every automated audit of the category; the three manual ones (cross-browser, page
# transitions, a URL per page) are a person's checklist and have no score.
AUDITS = ["installable-manifest", "splash-screen", "themed-omnibox", "content-width",
          "viewport", "maskable-icon"]  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    tool_or_skip("lighthouse-pwa")
    folder = tmp_path_factory.mktemp("installable")
    with production_site(folder) as site:
        output = folder / "report.json"
        subprocess.run(
            ["node", str(TOOL / "pwa.mjs"), f"{site.url}/", str(output)],
            cwd=ROOT, env=os.environ | {"CHROME_PATH": CHROMIUM}, check=True, timeout=300,
        )  # fmt: skip
    return json.loads(output.read_text())


# One run of Lighthouse answers every test below; rerunning one would not change its report.
@pytest.mark.flaky(reruns=0)
@pytest.mark.parametrize("audit", AUDITS)
def test_lighthouse_finds_the_site_installable_on_a_phone(report, audit):
    assert report["runtimeError"] is None, report["runtimeError"]
    assert report["formFactor"] == "mobile"
    [result] = [entry for entry in report["audits"] if entry["id"] == audit]
    assert result["score"] == 1, result
