"""Redis stopped: the site is degraded, not down. Load balancers keep every node, members keep
being served, and the periodic jobs still run once per period."""

import time
from datetime import datetime

import pytest
import requests
from django.utils.module_loading import autodiscover_modules

from apps.core.jobs import periodic
from apps.core.management.commands.worker import SCHEDULER_TICK
from tests.cluster.harness import member, metric_samples

PROBES = 3


@pytest.fixture(scope="module")
def redis_down(cluster):
    with cluster.redis.stopped():
        yield


def test_every_node_stays_ready_and_says_it_is_degraded(cluster, redis_down):
    for node in cluster.nodes:
        for _ in range(PROBES):  # a load balancer probes again and again
            response = requests.get(f"{node.url}/readyz/", timeout=30)
            answer = f"{node.name}: {response.status_code} {response.text}"
            assert response.status_code == 200, answer
            assert response.json()["status"] == "degraded", answer
            assert response.json()["problems"] == ["cache unavailable"], answer
            time.sleep(0.5)
        up = {
            sample.labels["dependency"]: sample.value
            for sample in metric_samples(node.url, cluster.metrics_token)
            if sample.name == "eternity_dependency_up"
        }
        assert up == {"database": 1, "cache": 0}, node.name


def test_members_are_served_while_redis_is_stopped(cluster, redis_down):
    alice = member(cluster.url)  # signing in, its rate limits included
    served_by = set()
    for _ in range(4):
        page = alice.get(f"{cluster.url}/", timeout=30)
        assert page.status_code == 200
        assert "alice" in page.text
        served_by.add(page.headers["X-Upstream"])
    assert len(served_by) == 2
    for _ in range(2):
        assert requests.get(f"{cluster.url}/accounts/login/", timeout=30).status_code == 200


def enqueued(cluster) -> dict[str, list[datetime]]:
    """When each periodic job was enqueued, by its task path."""
    times: dict[str, list[datetime]] = {name: [] for name in periodic.SCHEDULE}
    for path, _, enqueued_at, _ in cluster.tasks(""):
        if path in times:
            times[path].append(enqueued_at)
    return times


def assert_once_per_period(cluster) -> None:
    now = time.time()
    for name, times in enqueued(cluster).items():
        seconds = periodic.SCHEDULE[name].seconds
        periods = [int(moment.timestamp() // seconds) for moment in times]
        repeated = {period for period in periods if periods.count(period) > 1}
        assert not repeated, f"{name} enqueued {len(periods)} times: {times}"
        # A period that began a tick ago or more has had its run, outage or not.
        if now % seconds > SCHEDULER_TICK + 5:
            assert int(now // seconds) in periods, f"{name} was not enqueued in this period"


def test_periodic_jobs_still_run_once_per_period_across_both_workers(cluster, redis_down):
    autodiscover_modules("tasks")
    assert periodic.SCHEDULE
    # Workers that start during the outage (a deploy, a crash) as well as those that ran on.
    cluster.restart_workers()
    deadline = time.monotonic() + SCHEDULER_TICK + 5  # every worker has looked at least once
    while time.monotonic() < deadline:
        assert_once_per_period(cluster)
        time.sleep(1)
    assert_once_per_period(cluster)
