"""A node asked for a hashed static file of the other release (a rolling deploy) redirects to
its own version of that file, and only then: never in a loop, never for a file it does not
know, never elsewhere. (tests/deploy/test_static.py runs two real releases.)"""

import json

import pytest
from django.contrib.staticfiles.finders import get_finders
from django.template import engines


def forget_rendered_pages() -> None:
    """Kept stencils hold the static addresses they were rendered with (per process, where
    the addresses never change): start afresh when a test changes them."""
    for engine in engines.all():
        for loader in engine.engine.template_loaders:
            loader.reset()


THIS_RELEASE = "css/site.aaaaaaaaaaaa.css"


@pytest.fixture
def release(settings, tmp_path):
    """This node's release: its manifest names site.css under THIS_RELEASE (and every other
    file, which the 404 page links, under its own name)."""
    paths = {path: path for finder in get_finders() for path, _ in finder.list([])}
    paths["css/site.css"] = THIS_RELEASE
    manifest = {"paths": paths, "version": "1.1", "hash": "0"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    }
    forget_rendered_pages()
    yield
    forget_rendered_pages()


def test_the_other_releases_hashed_name_redirects_to_this_releases_file(client, release):
    response = client.get("/static/css/site.bbbbbbbbbbbb.css")
    assert response.status_code == 302
    assert response["Location"] == f"/static/{THIS_RELEASE}"
    assert response["Cache-Control"] == "public, max-age=60"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        THIS_RELEASE,  # this release's own name, missing here: no loop
        "css/other.bbbbbbbbbbbb.css",  # a file this release does not know
        "css/site.css.bbbbbbbbbbbb",  # not how a hashed name is made
        "css/site.BBBBBBBBBBBB.css",
        "css/site.bbbbbbbbbbb.css",
        "//evil.example/css/site.bbbbbbbbbbbb.css",
        "https://evil.example/css/site.bbbbbbbbbbbb.css",
    ],
)
def test_anything_else_is_a_404(client, release, path):
    response = client.get(f"/static/{path}")
    assert response.status_code == 404
    assert "Location" not in response


@pytest.mark.django_db
def test_without_a_manifest_nothing_is_redirected(client):
    # Development and tests: plain static files, no hashed names.
    assert client.get("/static/css/site.bbbbbbbbbbbb.css").status_code == 404


def test_only_reads_are_answered(client, release):
    assert client.post("/static/css/site.bbbbbbbbbbbb.css").status_code == 405


ADDRESS_AND_SOURCES = (
    "from django.conf import settings; "
    "from django.contrib.staticfiles.storage import staticfiles_storage as s; "
    "print(s.bucket.url('css/site.aaaaaaaaaaaa.css').split('?')[0]); "
    "print(*settings.SECURE_CSP['script-src'][2:])"
)


@pytest.mark.parametrize(
    "bucket",
    [{"AWS_STORAGE_BUCKET_NAME": "eternity"},
     {"AWS_STORAGE_BUCKET_NAME": "static.example.org", "AWS_S3_REGION_NAME": "eu-west-1"},
     {"AWS_STORAGE_BUCKET_NAME": "eternity",
      "AWS_S3_ENDPOINT_URL": "https://fra1.digitaloceanspaces.com"},
     {"AWS_STORAGE_BUCKET_NAME": "eternity", "AWS_STATIC_CUSTOM_DOMAIN": "cdn.example.org"}],
    ids=["aws", "aws, a dotted bucket", "another provider's endpoint", "a cdn"],
)  # fmt: skip
def test_scripts_from_the_bucket_are_allowed_from_its_static_folder_alone(bucket):
    """The CSP names the folder the storage really links (path and all), never a storage
    endpoint's whole host, where anyone's bucket could serve a script."""
    from tests.core.test_settings import run_check

    result = run_check(
        "shell", "-v0", "-c", ADDRESS_AND_SOURCES,
        DEBUG="1", STATIC_STORAGE="s3", AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s",
        **bucket,
    )  # fmt: skip
    address, sources = result.stdout.strip().splitlines()
    assert sources.split()
    assert all(source.endswith("/static/") for source in sources.split())
    assert any(address.startswith(source) for source in sources.split()), (address, sources)
