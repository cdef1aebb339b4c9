"""The pieces of a two-node cluster started for real, the way production runs it: release
trees, Redis, the mail server, the load balancer, the web nodes and the workers, and what a
test reads from them (pages, images, stylesheets, metrics, the task table)."""

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import psycopg
import redis
import requests
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from tests.core.test_background import Inbox
from tests.factories import PASSWORD
from tests.images import image_bytes
from tests.servers import MANAGE, ROOT, stop_group, wait_until_up

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# Generous for a 2-core CI machine that runs two nodes, two workers and the test at once.
STARTUP_SECONDS = 120

# A release is the repository as deployed: code, templates, static files; no tests, docs,
# virtualenv, uploads or collected static files of the working copy.
_NOT_RELEASED = {".git", ".venv", "venv", "node_modules", "media", "staticfiles", "docs",
                 "tests", "bench", "test-results", ".pytest_cache", ".ruff_cache"}  # fmt: skip


def _leave_out(folder: str, names: list[str]) -> set[str]:
    top = Path(folder) == ROOT
    return {
        name
        for name in names
        if name == "__pycache__" or (top and (name in _NOT_RELEASED or name.startswith("db.")))
    }


def make_release(
    destination: Path, env: dict[str, str], change: Callable[[Path], None] | None = None
) -> Path:
    """Copy the working tree to `destination` as a release, let `change` edit it, collect its
    static files as the image build does, then run its release step (deploy/release.sh:
    the bucket's copy of the static files, migrations) as a deployment does; return the tree."""
    shutil.copytree(ROOT, destination, symlinks=True, ignore=_leave_out)
    if change is not None:
        change(destination)
    python_first = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"  # release.sh's python
    release_env = env | {"PYTHONPATH": str(destination), "PATH": python_first}
    subprocess.run([*MANAGE, "collectstatic", "--noinput", "-v0"], cwd=destination,
                   env=release_env | {"STATIC_STORAGE": "local"}, check=True,
                   timeout=STARTUP_SECONDS)  # fmt: skip
    subprocess.run(["bash", "deploy/release.sh"], cwd=destination, env=release_env, check=True,
                   stdout=subprocess.DEVNULL, timeout=STARTUP_SECONDS)  # fmt: skip
    return destination


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class Process:
    """A command run in a session of its own (so its whole group can be stopped), its output
    in a log file."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.command, self.cwd, self.env, self.log = command, cwd, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        with self.log.open("a") as output:
            self.popen = subprocess.Popen(self.command, cwd=self.cwd, env=self.env,
                                          stdout=output, stderr=subprocess.STDOUT,
                                          start_new_session=True)  # fmt: skip
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self) -> None:
        if self.alive():
            stop_group(self.popen)

    def kill(self) -> None:
        """kill -9 the process and everything it started, as an OOM killer or a lost machine."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)


class RedisServer:
    """A redis-server of the cluster's own, so a test can stop it and start it again."""

    def __init__(self, port: int, log: Path) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = Process([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"], ROOT, dict(os.environ),
                               log)  # fmt: skip

    def start(self) -> None:
        self.process.start()
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or not self.process.alive():
                    log = log_tail(self.process.log)
                    raise AssertionError(f"redis-server did not start:\n{log}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        self.process.stop()

    @contextmanager
    def stopped(self) -> Iterator[None]:
        self.stop()
        try:
            yield
        finally:
            self.start()


class Mailbox(Inbox):
    """The SMTP server mail goes to (aiosmtpd): it keeps each message it accepts with its
    recipients, and can hold one conversation after the message's last line, before its
    answer, until told to let go (then it refuses it: the sender is gone by then)."""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.accepted: list[tuple[list[str], str]] = []
        self.conversations: list[tuple[list[str], tuple[str, int]]] = []
        self._hold_for: str | None = None
        self.holding = threading.Event()
        self.let_go = threading.Event()
        self.held_peer: tuple[str, int] | None = None

    def hold_next(self, address: str) -> None:
        self.holding.clear()
        self.let_go.clear()
        self._hold_for = address

    async def handle_DATA(self, server, session, envelope):
        recipients = list(envelope.rcpt_tos)
        self.conversations.append((recipients, session.peer))
        if self._hold_for in recipients:
            self._hold_for = None
            self.held_peer = session.peer
            self.holding.set()
            while not self.let_go.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Not accepted, try again later"
        self.accepted.append((recipients, envelope.content.decode()))
        return await super().handle_DATA(server, session, envelope)

    def received_by(self, address: str) -> list[str]:
        return [content for recipients, content in self.accepted if address in recipients]

    def attempts_for(self, address: str) -> list[tuple[str, int]]:
        return [peer for recipients, peer in self.conversations if address in recipients]


LOAD_BALANCER_CONF = """\
worker_processes 1;
pid {runtime}/nginx.pid;
error_log stderr warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {runtime}/client_body;
    proxy_temp_path {runtime}/proxy;
    fastcgi_temp_path {runtime}/fastcgi;
    uwsgi_temp_path {runtime}/uwsgi;
    scgi_temp_path {runtime}/scgi;
    client_max_body_size 50m;
    upstream nodes {{
        # Every request goes to the next node in turn; a node that refuses the connection is
        # skipped for that request only (max_fails=0: never taken out of the rotation).
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://nodes;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 60s;
            # Which node answered, for the tests only.
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


def load_balancer(runtime: Path, port: int, node_ports: Iterable[int]) -> Process:
    """nginx from the distribution, round robin over the nodes, as a cloud load balancer."""
    runtime.mkdir(parents=True, exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=0;" for p in node_ports)
    conf = LOAD_BALANCER_CONF.format(runtime=runtime, port=port, servers=servers)
    if os.geteuid() == 0:
        conf = "user root;\n" + conf  # its workers may write the temporary files as we do
    (runtime / "nginx.conf").write_text(conf)
    return Process([NGINX, "-p", str(runtime), "-c", str(runtime / "nginx.conf"), "-e",
                    "stderr"], runtime, dict(os.environ), runtime / "nginx.log")  # fmt: skip


@dataclass
class Node:
    """A web node: the release's unmodified deploy/serve.sh (nginx in front of gunicorn)."""

    name: str
    port: int
    env: dict[str, str]
    logs: Path
    tree: Path | None = None
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, tree: Path) -> None:
        self.tree = tree
        env = self.env | {"NODE_NAME": self.name, "PYTHONPATH": str(tree)}
        log = self.logs / f"{self.name}.log"
        self.process = Process([str(tree / "deploy" / "serve.sh"), f"127.0.0.1:{self.port}"],
                               tree, env, log).start()  # fmt: skip

    def wait(self) -> None:
        try:
            wait_until_up(self.url, self.process.popen, seconds=STARTUP_SECONDS)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{log_tail(self.process.log)}") from None

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()


@dataclass
class Worker:
    """A `manage.py worker` process (tasks and periodic jobs)."""

    name: str
    env: dict[str, str]
    logs: Path
    process: Process | None = None

    def start(self, tree: Path) -> None:
        env = self.env | {"NODE_NAME": self.name, "PYTHONPATH": str(tree)}
        log = self.logs / f"{self.name}.log"
        self.process = Process([*MANAGE, "worker"], tree, env, log).start()

    @property
    def pid(self) -> int:
        return self.process.pid

    def started(self) -> bool:
        """The worker's loop has begun (django-tasks-db says "Starting worker")."""
        return "Starting worker" in self.process.log.read_text(errors="replace")

    def wait(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not self.started():
            if not self.process.alive() or time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not start:\n{log_tail(self.process.log)}")
            time.sleep(0.2)


@dataclass
class Cluster:
    url: str  # the load balancer: the address members use
    nodes: list[Node]
    workers: list[Worker]
    redis: RedisServer
    mailbox: Mailbox
    database_url: str
    env: dict[str, str]
    release: Path  # the release the cluster started with
    tmp: Path
    lease_seconds: int
    metrics_token: str
    balancer: Process | None = None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def restart_workers(self) -> None:
        for worker in self.workers:
            worker.process.stop()
            worker.start(self.release)
        for worker in self.workers:
            worker.wait()

    def tasks(self, path_suffix: str) -> list[tuple]:
        """(task path, status, enqueued at, worker ids) of the queue's tasks whose path ends
        so, oldest first."""
        return self.query(
            f"SELECT task_path, status, enqueued_at, worker_ids FROM {DBTaskResult._meta.db_table} "  # noqa: S608
            "WHERE task_path LIKE %s ORDER BY enqueued_at",
            (f"%{path_suffix}",),
        )

    def restart_node(self, node: Node, tree: Path) -> None:
        """Replace a node by one of the release in `tree`, on the same address: one step of
        a rolling deploy (the load balancer sends its requests to the other node meanwhile)."""
        node.stop()
        node.start(tree)
        node.wait()


def poll(condition: Callable[[], object], seconds: float, message: Callable[[], str] | str):
    """Return the condition's first true value, checked every 0.2 s for `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message)
        time.sleep(0.2)


def pid_connected_from(port: int, pids: Iterable[int]) -> int | None:
    """Which of `pids` holds the TCP connection whose local end is `port` (Linux /proc)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            columns = line.split()
            if int(columns[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{columns[9]}]")
    for pid in pids:
        for descriptor in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(descriptor) in inodes:
                    return pid
            except OSError:  # closed meanwhile
                continue
    return None


# --- What a member's browser and an operator's scraper see ----------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def tags(html: str, name: str) -> list[dict[str, str]]:
    parser = _Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def image_src(html: str, alt: str, base: str) -> str:
    """The absolute address of the image described by `alt` on the page."""
    [src] = [attrs["src"] for attrs in tags(html, "img") if attrs.get("alt") == alt]
    return urljoin(base, src)


def stylesheets(html: str, base: str) -> list[str]:
    links = tags(html, "link")
    return [urljoin(base, attrs["href"]) for attrs in links if attrs.get("rel") == "stylesheet"]


# What the load balancer adds to a request it passes on. A test that talks to a node directly
# plays the balancer and sends it too: a node counts TRUSTED_PROXY_COUNT proxies in front of
# its own nginx. Through the balancer it is one more address the client claims, not believed.
FROM_THE_BALANCER = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http"}


def member(url: str, username: str = "alice") -> requests.Session:
    """A browser of the member's, signed in through `url`."""
    session = requests.Session()
    session.headers.update(FROM_THE_BALANCER)
    session.get(f"{url}/accounts/login/", timeout=30)
    response = session.post(
        f"{url}/accounts/login/",
        data={"login": username, "password": PASSWORD,
              "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        allow_redirects=False, timeout=30,
    )  # fmt: skip
    assert response.status_code == 302, f"{username} could not sign in: {response.status_code}"
    return session


def publish_post_with_image(session: requests.Session, url: str, alt: str) -> str:
    """Write a post with a photo through `url`; return the post's path."""
    session.get(f"{url}/posts/new/", timeout=30)
    response = session.post(
        f"{url}/posts/new/",
        data={"title": "Seen from every node", "text": "A photo.", "tags": "",
              "image_alt": alt, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        files={"image": ("photo.png", image_bytes("PNG", (320, 240), (20, 120, 200)),
                         "image/png")},
        allow_redirects=False, timeout=60,
    )  # fmt: skip
    assert response.status_code == 302, response.text[:2000]
    return response.headers["Location"]


def metric_samples(url: str, token: str) -> list:
    response = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {token}"},
                            timeout=30)  # fmt: skip
    assert response.status_code == 200, response.text[:500]
    return [sample for family in text_string_to_metric_families(response.text)
            for sample in family.samples]  # fmt: skip
