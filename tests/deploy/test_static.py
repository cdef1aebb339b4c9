"""Static files while two releases run side by side (a rolling deploy).

Two releases are built from the same code with one CSS file changed: each one's static files
collected as the image build does (DEBUG=0, no bucket), its release step (deploy/release.sh)
run from a copy of them as from a one-off container, and its node started with production
settings. With STATIC_STORAGE=s3 the bucket is moto's S3 server.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from tests.servers import (
    MANAGE,
    ROOT,
    HeldPort,
    free_port,
    own_database,
    s3_bucket,
    server_env,
    start_gunicorn,
    stop,
    wait_until_up,
)

BUCKET = "eternity-assets"
MARKER = ".release-b-only { color: teal; }"
# The production settings, with the release's own static sources and STATIC_ROOT.
RELEASE_SETTINGS = """
import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["RELEASE_STATIC_ROOT"]
STATICFILES_DIRS = [os.environ["RELEASE_STATIC_SOURCE"]]
"""


class Release:
    """One release's code (its static/ folder) and what its image build collected."""

    def __init__(self, folder: Path, changed_css: str = "") -> None:
        self.folder = folder
        self.source = folder / "static"
        self.built = folder / "staticfiles"
        shutil.copytree(ROOT / "static", self.source)
        if changed_css:
            site_css = self.source / "css" / "site.css"
            site_css.write_text(site_css.read_text() + "\n" + changed_css + "\n")
        (folder / "release_settings.py").write_text(RELEASE_SETTINGS)

    def env(self, database: str, static_root: Path, **extra: str) -> dict[str, str]:
        return server_env(
            database,
            DJANGO_SETTINGS_MODULE="release_settings",
            PYTHONPATH=f"{ROOT}:{self.folder}",
            ALLOWED_HOSTS="127.0.0.1",
            SECRET_KEY="release-test-secret-" + "x" * 40,
            RELEASE_STATIC_ROOT=str(static_root),
            RELEASE_STATIC_SOURCE=str(self.source),
            WEB_CONCURRENCY="1",
            **extra,
        )

    def build(self, database: str) -> None:
        subprocess.run([*MANAGE, "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                       env=self.env(database, self.built), check=True, timeout=300)  # fmt: skip

    def release_step(self, database: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """deploy/release.sh in a one-off container: the image's files, in a copy of its own."""
        one_off = self.folder / f"one-off-{free_port()}"
        shutil.copytree(self.built, one_off)
        return subprocess.run([str(ROOT / "deploy" / "release.sh")], cwd=ROOT,
                              env=self.env(database, one_off, **extra), capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    def start(self, database: str, **extra: str) -> tuple[subprocess.Popen, str]:
        port = free_port()
        process = start_gunicorn(self.env(database, self.built, **extra), port)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process, seconds=60)
        return process, url

    def hashed(self, name: str) -> str:
        return json.loads((self.built / "staticfiles.json").read_text())["paths"][name]


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    with own_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="module")
def releases(tmp_path_factory, database) -> tuple[Release, Release]:
    old = Release(tmp_path_factory.mktemp("release-a"))
    new = Release(tmp_path_factory.mktemp("release-b"), changed_css=MARKER)
    for release in (old, new):
        release.build(database)
    assert old.hashed("css/site.css") != new.hashed("css/site.css")
    assert old.hashed("js/site.js") == new.hashed("js/site.js")
    return old, new


@pytest.fixture
def bucket():
    with s3_bucket(BUCKET, public_prefix="static/") as (endpoint, _client):
        yield {
            "STATIC_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_S3_ENDPOINT_URL": endpoint,
        }


def stylesheet(page: str, name: str = "css/site") -> str:
    """The address of the page's stylesheet `name` (its hashed form)."""
    link = re.search(rf'rel="stylesheet"\s+href="([^"]*/{name}\.[0-9a-f]{{12}}\.css)"', page)
    return link.group(1)


def csp_sources(response: requests.Response, directive: str) -> list[str]:
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    return policy[directive].split()


def test_with_the_bucket_both_releases_pages_find_their_own_css(database, releases, bucket):
    old, new = releases
    for release in (old, new):  # a rollout: the old release's step ran at its own deploy
        step = release.release_step(database, **bucket)
        assert step.returncode == 0, step.stdout + step.stderr
    endpoint = bucket["AWS_S3_ENDPOINT_URL"]
    nodes = [old.start(database, **bucket), new.start(database, **bucket)]
    try:
        pages = [requests.get(f"{url}/", timeout=10) for _, url in nodes]
        assert [page.status_code for page in pages] == [200, 200]
        addresses = [stylesheet(page.text) for page in pages]
        assert addresses == [
            f"{endpoint}/{BUCKET}/static/{old.hashed('css/site.css')}",
            f"{endpoint}/{BUCKET}/static/{new.hashed('css/site.css')}",
        ]
        served = [requests.get(address, timeout=10) for address in addresses]
        for response in served:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/css")
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert MARKER not in served[0].text
        assert MARKER in served[1].text
        bootstrap = stylesheet(pages[0].text, "vendor/bootstrap/bootstrap.min")
        assert bootstrap.startswith(f"{endpoint}/{BUCKET}/static/")
        assert "Bootstrap" in requests.get(bootstrap, timeout=10).text
        script = f"{endpoint}/{BUCKET}/static/{new.hashed('js/site.js')}"
        assert f'src="{script}"' in pages[1].text
        assert requests.get(script, timeout=10).status_code == 200
        for page in pages:
            for directive in ("style-src", "script-src", "img-src"):
                assert f"{endpoint}/{BUCKET}/static/" in csp_sources(page, directive)
            for directive in ("style-src", "script-src"):  # not anyone's bucket on the endpoint
                assert endpoint not in csp_sources(page, directive)

        # The proof-of-work widget's worker (a Web Worker) and module load from the node itself.
        signup = requests.get(f"{nodes[1][1]}/accounts/signup/", timeout=10).text
        for attribute in ("workerurl", "src"):
            for address in re.findall(rf'{attribute}="(/static/vendor/altcha/[^"]+)"', signup):
                assert requests.get(f"{nodes[1][1]}{address}", timeout=10).status_code == 200
        assert 'workerurl="/static/vendor/altcha/worker.' in signup
    finally:
        for process, _ in nodes:
            stop(process)


def test_an_unreachable_bucket_stops_the_release_before_it_migrates(tmp_path, releases, bucket):
    closed = HeldPort()
    with own_database(tmp_path) as fresh:
        step = releases[0].release_step(
            fresh, **bucket | {"AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{closed.port}"}
        )
        assert step.returncode != 0
        assert "The bucket's static files could not be listed" in step.stderr
        unmigrated = subprocess.run([*MANAGE, "migrate", "--check"], cwd=ROOT,
                                    env=releases[0].env(fresh, releases[0].built),
                                    capture_output=True, timeout=120)  # fmt: skip
        assert unmigrated.returncode != 0
    closed.release()


def test_a_local_node_redirects_the_other_releases_css_to_its_own(database, releases):
    old, new = releases
    step = new.release_step(database)
    assert step.returncode == 0, step.stdout + step.stderr
    process, url = new.start(database)
    try:
        page = requests.get(f"{url}/", timeout=10)
        assert stylesheet(page.text) == f"/static/{new.hashed('css/site.css')}"

        # A page of the old release, served by another node, asks this one for its CSS.
        asked = f"{url}/static/{old.hashed('css/site.css')}"
        redirect = requests.get(asked, allow_redirects=False, timeout=10)
        assert redirect.status_code == 302
        assert redirect.headers["Location"] == f"/static/{new.hashed('css/site.css')}"
        assert redirect.headers["Cache-Control"] == "public, max-age=60"
        followed = requests.get(asked, timeout=10)
        assert followed.status_code == 200
        assert MARKER in followed.text
        assert len(followed.history) == 1

        # This release's own files are served as they are; unknown names are not redirected.
        own = requests.get(f"{url}/static/{new.hashed('css/site.css')}", allow_redirects=False,
                           timeout=10)  # fmt: skip
        assert own.status_code == 200
        assert "immutable" in own.headers["Cache-Control"]
        for unknown in ("css/nothing.0123456789ab.css", "css/site.css.0123456789ab"):
            response = requests.get(f"{url}/static/{unknown}", allow_redirects=False, timeout=10)
            assert response.status_code == 404
    finally:
        stop(process)


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"STATIC_STORAGE": "cdn"}, "STATIC_STORAGE must be local or s3, got 'cdn'"),
        (
            {"STATIC_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": ""},
            "STATIC_STORAGE=s3 needs a bucket",
        ),
    ],
)
def test_a_static_storage_that_cannot_work_stops_the_start(tmp_path, variables, message):
    env = server_env(f"sqlite:///{tmp_path / 'unused.sqlite3'}", **variables)
    result = subprocess.run([*MANAGE, "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.returncode != 0
    assert message in result.stderr
