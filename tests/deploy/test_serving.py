"""Each way the site is served here, started for real with DEBUG=0 and no bucket: uploaded
photos come back with the right headers, and slow or idle clients do not stall the site.

The paths: the container's entrypoint with the `HOST:PORT` argument, compose's web command,
and the Procfile under honcho. All three put nginx (deploy/nginx.conf, the real binary from
Debian's packages) in front of gunicorn through deploy/serve.sh.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import yaml

from tests.factories import PASSWORD
from tests.images import image_bytes
from tests.servers import (
    ROOT,
    free_port,
    own_database,
    prepare_database,
    server_env,
    stop,
    stop_group,
)
from tests.servers import wait_until_up as _wait_until_up
from tests.slow_clients import RESULTS, attack

ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"

pytestmark = pytest.mark.skipif(
    shutil.which("nginx") is None
    and not Path("/usr/sbin/nginx").exists()
    and not os.environ.get("CI"),
    reason="nginx is not installed (apt-get install nginx); CI installs it",
)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    with own_database(tmp_path_factory.mktemp("db")) as database:
        environment = server_env(
            database,
            WEB_CONCURRENCY="2",
            MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
            PATH=f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/bin",
        )
        prepare_database(environment)
        yield environment


@contextmanager
def running(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        yield process
    finally:
        stop_group(process)


def logged_in(url: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/accounts/login/", timeout=10)
    session.post(
        f"{url}/accounts/login/",
        data={"login": "alice", "password": PASSWORD,
              "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        timeout=10,
    )  # fmt: skip
    return session


def upload_a_photo(url: str) -> str:
    """Log in as alice, upload a photo through the inline form; return the photo's address."""
    session = logged_in(url)
    htmx = {"HX-Request": "true", "X-CSRFToken": session.cookies["csrftoken"]}
    form = session.get(f"{url}/settings/profile/photo/", headers=htmx, timeout=10).text
    token = re.search(r'name="photo-token" value="([^"]+)"', form).group(1)
    saved = session.post(
        f"{url}/settings/profile/photo/",
        data={"photo-token": token},
        files={"photo-photo": ("me.png", image_bytes("PNG", (300, 300)), "image/png")},
        headers=htmx,
        timeout=20,
    )
    assert "Photo saved." in saved.text, saved.text[:500]
    return re.search(r'src="(/media/avatars/[0-9a-f]{32}\.jpg)"', saved.text).group(1)


def assert_served_like_an_uploaded_image(url: str, photo: str, media_root: str) -> None:
    response = requests.get(f"{url}{photo}", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    # A day, so an image moderators take out of view does not outlive that in a cache.
    assert response.headers["Cache-Control"] == "public, max-age=86400"
    assert response.content.startswith(b"\xff\xd8")  # a JPEG
    assert requests.post(f"{url}{photo}", timeout=10).status_code in {403, 405}
    assert requests.get(f"{url}/media/avatars/", timeout=10).status_code == 404
    missing = requests.get(f"{url}/media/avatars/{'0' * 32}.jpg", timeout=10)
    assert missing.status_code == 404
    assert "public" not in missing.headers.get("Cache-Control", "")  # a 404 is never cached
    # What moderators took out of public view, and a conversation's images, are never served
    # from /media/, whatever their names.
    private = (
        "moderated/0123456789abcdef.jpg",
        "moderated/7/posts/0123456789abcdef.jpg",
        "private/messages/3/0123456789abcdef.jpg",
        "private/0123456789abcdef.jpg",
    )
    for name in private:
        path = Path(media_root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(image_bytes())
        assert requests.get(f"{url}/media/{name}", timeout=10).status_code == 404


def assert_slow_clients_do_not_stall(url: str, label: str, seconds: float) -> None:
    result = attack(url, seconds)
    RESULTS.append(f"{label}, {seconds:.0f} s: {result}")
    assert result.errors == 0, result
    assert result.p99 < 1, result
    assert result.requests > seconds * 5, result


def assert_clients_cannot_claim_https(url: str) -> None:
    """With nobody in front of nginx, a client's X-Forwarded-Proto is not believed."""
    session = logged_in(url)
    session.post(f"{url}/posts/new/", data={
        "title": "Scheme", "text": "Words", "tags": "",
        "csrfmiddlewaretoken": session.cookies["csrftoken"],
    }, timeout=10)  # fmt: skip
    page = session.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=10).text
    assert 'data-copy="http://' in page
    assert 'data-copy="https://' not in page


def raw_get(url: str, host: str, path: str = "/") -> bytes:
    """Everything the server sends back for a GET of `path` naming `host`, until it closes
    (or resets) the connection."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:  # 444 resets the connection (reset_timedout_connection)
            pass
    return received


def assert_only_its_own_hosts_are_served(url: str) -> None:
    """nginx answers a Host the site does not serve with nothing (the connection closed, not
    even a status line); the site's own names are served, and liveness answers every probe."""
    assert raw_get(url, "evil.example") == b""
    assert raw_get(url, "evil.example", "/accounts/password/reset/") == b""
    port = url.rsplit(":", 1)[1]
    assert raw_get(url, f"evil.example:{port}") == b""
    with pytest.raises(requests.ConnectionError):
        requests.get(url, headers={"Host": "evil.example"}, timeout=10)
    assert raw_get(url, f"127.0.0.1:{port}").startswith(b"HTTP/1.1 200 ")
    assert raw_get(url, "localhost").startswith(b"HTTP/1.1 200 ")
    assert raw_get(url, "evil.example", "/healthz/").startswith(b"HTTP/1.1 200 ")


METRICS_TOKEN = "scraper-token-0123456789"


def assert_metrics_sum_every_worker(url: str) -> None:
    """Each of the two workers answers scrapes in turn; every scrape counts the login made
    through whichever worker served it, and the requests of both."""
    assert requests.get(f"{url}/metrics", timeout=10).status_code == 401
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    for _ in range(6):
        text = requests.get(f"{url}/metrics", headers=bearer, timeout=10).text
        node = f'node="{socket.gethostname()}"'  # NODE_NAME's default
        assert f"eternity_logins_total{{{node}}} 1.0" in text, text[:2000]
        assert f"eternity_tasks_readable{{{node}}} 1.0" in text
        requests.get(f"{url}/", timeout=10)
    served = re.search(
        r'django_http_responses_total\{method="GET",node="[^"]+",status="200",view="feed:home"\}'
        r" (\S+)",
        text,
    )
    assert served, text[:3000]
    assert float(served.group(1)) >= 5


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    _wait_until_up(url, process, seconds=60)


def test_the_entrypoint_with_a_bind_argument(env):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([str(ENTRYPOINT), f"127.0.0.1:{port}"], env) as process:
        wait_until_up(url, process)
        assert requests.get(url, timeout=10).headers["Server"] == "nginx"
        assert_only_its_own_hosts_are_served(url)
        assert_served_like_an_uploaded_image(url, upload_a_photo(url), env["MEDIA_ROOT"])
        assert_clients_cannot_claim_https(url)
        assert_slow_clients_do_not_stall(url, "docker run IMAGE 127.0.0.1:PORT", 60)


def test_the_compose_web_command(env):
    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    command = [str(ENTRYPOINT), *web.get("command", [])]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running(command, env | {"PORT": str(port)}) as process:
        wait_until_up(url, process)
        assert_served_like_an_uploaded_image(url, upload_a_photo(url), env["MEDIA_ROOT"])
        assert_slow_clients_do_not_stall(url, "docker compose web", 20)


def test_the_procfile_under_honcho(env):
    honcho = Path(sys.executable).parent / "honcho"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running([str(honcho), "start", "--port", str(port), "web"], env) as process:
        wait_until_up(url, process)
        assert_served_like_an_uploaded_image(url, upload_a_photo(url), env["MEDIA_ROOT"])
        assert_slow_clients_do_not_stall(url, "Procfile web under honcho", 20)


def test_gunicorn_alone_serves_uploads_itself(env):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}"]  # fmt: skip
    with running(command, env | {"METRICS_TOKEN": METRICS_TOKEN}) as process:
        wait_until_up(url, process)
        assert_served_like_an_uploaded_image(url, upload_a_photo(url), env["MEDIA_ROOT"])
        assert_metrics_sum_every_worker(url)


def test_stopping_the_entrypoint_stops_nginx_and_gunicorn(env):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([str(ENTRYPOINT), f"127.0.0.1:{port}"], cwd=ROOT, env=env)
    try:
        wait_until_up(url, process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=40) == 0
    finally:
        stop(process)
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)
