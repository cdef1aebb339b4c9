"""A two-node cluster started the way production runs one, once for the whole folder.

A load balancer (nginx from the distribution, round robin) in front of two web nodes, each the
release's unmodified `deploy/serve.sh HOST:PORT` (nginx and gunicorn) with production
settings; two `manage.py worker` processes; PostgreSQL (a database of its own); a Redis of
its own (tests stop and start it); an S3 bucket on moto's server; mail to aiosmtpd.
"""

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.cluster.harness import (
    NGINX,
    REDIS_SERVER,
    STARTUP_SECONDS,
    Cluster,
    Mailbox,
    Node,
    RedisServer,
    Worker,
    load_balancer,
    log_tail,
    make_release,
)
from tests.servers import (
    MANAGE,
    ROOT,
    free_port,
    own_database,
    prepare_database,
    s3_bucket,
    server_env,
)
from tests.servers import wait_until_up as _wait_until_up

HERE = Path(__file__).resolve().parent
BUCKET = "eternity-cluster"
LEASE_SECONDS = 3
METRICS_TOKEN = "cluster-scraper-token-0123456789"
# Members the tests act as: alice writes, the others receive mail.
MEMBERS = ["alice", "dora", "erin", "fred", "gina", "hank"]


def _why_not_here() -> str | None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return (
            "tests/cluster runs on PostgreSQL only, as a cluster does (set DATABASE_URL to a "
            "postgres:// URL); CI runs it in its PostgreSQL pass"
        )
    missing = [path for path in (NGINX, REDIS_SERVER) if not Path(path).exists()]
    if missing and not os.environ.get("CI"):
        return f"not installed: {', '.join(missing)} (apt-get install nginx redis-server)"
    return None


def pytest_collection_modifyitems(items):
    if reason := _why_not_here():
        for item in items:
            if HERE in item.path.parents:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    logs = tmp / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        # The static prefix public, as the operator sets it up for STATIC_STORAGE=s3.
        endpoint, _s3 = stack.enter_context(s3_bucket(BUCKET, public_prefix="static/"))

        redis_server = RedisServer(free_port(), logs / "redis.log")
        redis_server.start()
        stack.callback(redis_server.stop)
        mailbox = stack.enter_context(Mailbox(free_port()))
        database = stack.enter_context(own_database(tmp))

        url = f"http://127.0.0.1:{free_port()}"
        env = server_env(
            database,
            DJANGO_SETTINGS_MODULE="config.settings",
            SECRET_KEY="cluster-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
            SITE_URL=url,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            TRUSTED_PROXY_COUNT="1",
            WEB_NODES="2",
            WEB_CONCURRENCY="2",
            REDIS_URL=redis_server.url,
            MEDIA_STORAGE="s3",
            STATIC_STORAGE="s3",
            MEDIA_URL_PERIOD="3600",
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_S3_REGION_NAME="us-east-1",
            AWS_S3_ENDPOINT_URL=endpoint,
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(mailbox.controller.port),
            EMAIL_USE_TLS="0",
            MAIL_RETRY_SECONDS="2",
            TASK_LEASE_SECONDS=str(LEASE_SECONDS),
            METRICS_TOKEN=METRICS_TOKEN,
        )
        env["PATH"] += ":/usr/sbin:/usr/bin:/bin"  # nginx
        prepare_database(env, create_user=False)
        script = (
            f"from tests.factories import UserFactory\nfor n in {MEMBERS}: UserFactory(username=n)"
        )
        subprocess.run([*MANAGE, "shell", "-c", script], cwd=ROOT, env=env, check=True,
                       timeout=STARTUP_SECONDS)  # fmt: skip
        release = make_release(tmp / "release-a", env)

        nodes = [Node(f"node{number}", free_port(), env, logs) for number in (1, 2)]
        workers = [Worker(f"worker{number}", env, logs) for number in (1, 2)]
        for node in nodes:
            node.start(release)
            stack.callback(node.stop)
        for worker in workers:
            worker.start(release)
            stack.callback(lambda worker=worker: worker.process.stop())
        balancer = load_balancer(tmp / "balancer", int(url.rsplit(":", 1)[1]),
                                 [node.port for node in nodes]).start()  # fmt: skip
        stack.callback(balancer.stop)
        for node in nodes:
            node.wait()
        for worker in workers:
            worker.wait()
        _wait_until_up(url, balancer.popen, seconds=STARTUP_SECONDS)
        yield Cluster(
            url=url, nodes=nodes, workers=workers, redis=redis_server, mailbox=mailbox,
            database_url=database, env=env, release=release, tmp=tmp,
            lease_seconds=LEASE_SECONDS, metrics_token=METRICS_TOKEN, balancer=balancer,
        )  # fmt: skip


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the last lines each process of the cluster wrote."""
    report = yield
    cluster = getattr(item, "funcargs", {}).get("cluster")
    if report.failed and call.when == "call" and cluster is not None:
        for log in sorted((cluster.tmp / "logs").glob("*.log")):
            report.sections.append((f"{log.stem} (last lines)", log_tail(log, 15)))
    return report
