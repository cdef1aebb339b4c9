"""PgBouncer, the real binary with the shipped deploy/pgbouncer.ini, between the site and
PostgreSQL: the site's own database settings (statements prepared on the server once run
DB_PREPARE_THRESHOLD times) migrate, write and read through it, and a process that connects
after another one got the same server connection can prepare its statements too."""

import configparser
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import MANAGE, ROOT, free_port, own_database, prepare_database, server_env
from tests.servers import stop as stop_process

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PgBouncer pools PostgreSQL connections (the suite's PostgreSQL run tries it)",
)

# Writes its posts, reads them back more times than the prepare threshold, and reports what
# it read and which statements its server connection holds prepared.
READ = """
import json, uuid
from django.conf import settings
from django.db import connection
from apps.feed.models import Post
from tests.factories import PostFactory, UserFactory

author = UserFactory(username=uuid.uuid4().hex[:12])
written = [post.title for post in PostFactory.create_batch(3, author=author)]
threshold = settings.DATABASES["default"]["OPTIONS"]["prepare_threshold"]
read = [
    list(Post.objects.filter(author=author).order_by("pk").values_list("title", flat=True))
    for _ in range(threshold + 1)
]
with connection.cursor() as cursor:
    cursor.execute("SELECT statement FROM pg_prepared_statements")
    prepared = [statement for (statement,) in cursor.fetchall()]
print(json.dumps({"written": written, "read": read, "prepared": prepared}))
"""


def pgbouncer_binary() -> str:
    found = shutil.which("pgbouncer") or next(
        (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if Path(path).exists()),
        None,
    )
    if found is None:
        pytest.fail("pgbouncer is needed for this test: apt-get install pgbouncer")
    return found


def write_config(folder: Path, database_url: str, port: int) -> Path:
    """The shipped configuration, but listening on `port`, in front of the suite's
    PostgreSQL, letting the local test user in without a password, and with a single server
    connection, so that every client after the first gets the one the last client used."""
    server = urlsplit(database_url)
    config = configparser.ConfigParser(interpolation=None, comment_prefixes=(";",))
    config.optionxform = str  # keep names as written
    config.read(ROOT / "deploy" / "pgbouncer.ini")
    password = f" password={server.password}" if server.password else ""
    config["databases"]["*"] = f"host={server.hostname} port={server.port or 5432}{password}"
    users = folder / "userlist.txt"
    users.write_text(f'"{server.username}" ""\n')
    config["pgbouncer"].update(
        listen_port=str(port),
        auth_type="trust",
        auth_file=str(users),
        unix_socket_dir="",
        default_pool_size="1",
    )
    path = folder / "pgbouncer.ini"
    with path.open("w") as file:
        config.write(file)
    return path


def wait_until_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pgbouncer did not start:\n{log.read_text()}") from None
            time.sleep(0.1)


def through(database_url: str, port: int) -> str:
    """The same database and user, reached through the pooler on `port`."""
    parts = urlsplit(database_url)
    return parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}").geturl()


def read_through(env: dict[str, str]) -> dict:
    result = subprocess.run([*MANAGE, "shell", "-c", READ], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_prepared_statements_work_through_pgbouncer_in_session_mode(tmp_path):
    binary = pgbouncer_binary()
    port = free_port()
    with own_database(tmp_path) as database:
        config = write_config(tmp_path, database, port)
        log = tmp_path / "pgbouncer.log"
        # PgBouncer refuses to run as root (CI's containers are root): it drops to nobody.
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        with log.open("w") as output:
            bouncer = subprocess.Popen([binary, *user, str(config)], stdout=output,
                                       stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_until_listening(port, bouncer, log)
            env = server_env(through(database, port))
            prepare_database(env, create_user=False)
            for _ in range(2):  # the second process gets the server connection the first used
                seen = read_through(env)
                assert all(titles == seen["written"] for titles in seen["read"])
                assert any(
                    'FROM "feed_post"' in statement and "$1" in statement
                    for statement in seen["prepared"]
                ), seen["prepared"]
        finally:
            stop_process(bouncer)
