"""More than one web node with uploads on local disk: the server itself refuses to start, as an
operator starts it (the container's entrypoint, deploy/serve.sh, gunicorn), unless the media
folder is one volume every node mounts."""

import subprocess

import pytest

from tests.servers import ROOT, free_port, own_database, server_env, stop, wait_until_up

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with own_database(tmp_path_factory.mktemp("db")) as database:
        yield server_env(database, WEB_CONCURRENCY="1", WEB_NODES="2",
                         MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))  # fmt: skip


def test_a_node_of_several_with_uploads_on_its_own_disk_does_not_start(env):
    port = free_port()
    result = subprocess.run([ENTRYPOINT, f"127.0.0.1:{port}"], env=env, capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0
    assert "eternity.E003" in result.stderr
    assert "WEB_NODES=2" in result.stderr
    assert "MEDIA_STORAGE=s3" in result.stderr
    assert "MEDIA_SHARED_VOLUME=1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_node_of_several_on_a_shared_media_volume_starts(env):
    port = free_port()
    process = subprocess.Popen([ENTRYPOINT, f"127.0.0.1:{port}"],
                               env=env | {"MEDIA_SHARED_VOLUME": "1"})  # fmt: skip
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process, seconds=90)
    finally:
        stop(process)
