"""Metrics in the Prometheus text format at /metrics, for the operator's scraper only.

Counted here with the official client (prometheus_client): responses by view, method and
status and their latency (MetricsMiddleware), presence polls (answered in full or with a 304),
logins and failed logins, and the task queue, read from its table at each scrape (so the
worker's queue shows wherever the worker runs).

Under gunicorn (config/gunicorn.conf.py) every worker writes its counters to files in
PROMETHEUS_MULTIPROC_DIR and a scrape sums them, whichever worker answers it.

Every sample carries `node="<NODE_NAME>"`, added as the scrape is written, so the series of
several nodes behind one load balancer stay apart wherever they are stored.

The endpoint answers only a request carrying `Authorization: Bearer <METRICS_TOKEN>`; with
no token configured it does not exist (404), so nothing is ever public by default.
"""

import hmac
import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import DatabaseError
from django.db.models import Count
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

logger = logging.getLogger(__name__)

RESPONSES = Counter(
    "django_http_responses_total",
    "Responses by view (its URL name), method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "django_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by view and method.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
# Any other method is counted as "other", so a client cannot invent label values.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PRESENCE_POLLS = Counter(
    "eternity_presence_polls_total",
    "Presence polls answered, by result: 200 (rendered) or 304 (nothing changed).",
    ["status"],
)
# Set by each readiness check (/readyz/); under gunicorn the value of the latest check,
# whichever worker made it.
DEPENDENCY_UP = Gauge(
    "eternity_dependency_up",
    "1 if the dependency answered this node's latest readiness check, else 0.",
    ["dependency"],
    multiprocess_mode="mostrecent",
)
LOGINS = Counter("eternity_logins_total", "Successful logins.")
LOGIN_FAILURES = Counter("eternity_login_failures_total", "Failed login attempts.")


@receiver(user_logged_in, dispatch_uid="metrics_user_logged_in")
def count_login(sender, **kwargs) -> None:
    LOGINS.inc()


@receiver(user_login_failed, dispatch_uid="metrics_user_login_failed")
def count_login_failure(sender, **kwargs) -> None:
    LOGIN_FAILURES.inc()


class MetricsMiddleware:
    """Count every response by the view that made it and time it. Placed right after the
    probes (health.ProbeMiddleware), so health checks and scrapes are not counted and every
    other middleware is timed.
    A request no URL matched is counted under "<unresolved>" (its path is never a label)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match is not None else "<unresolved>"
        method = request.method if request.method in METHODS else "other"
        RESPONSES.labels(view, method, str(response.status_code)).inc()
        LATENCY.labels(view, method).observe(time.perf_counter() - start)
        return response


class TaskQueueCollector:
    """The task queue as it stands: tasks by queue and status (READY is the backlog, FAILED the
    failures kept), read from the database backend's table when scraped."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        family = GaugeMetricFamily(
            "eternity_tasks", "Background tasks by queue and status.", labels=["queue", "status"]
        )
        up = GaugeMetricFamily("eternity_tasks_readable", "1 if the task table could be read.")
        try:
            rows = list(DBTaskResult.objects.values("queue_name", "status").annotate(n=Count("id")))
        except DatabaseError:
            logger.warning("Metrics: the task table could not be read", exc_info=True)
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for row in rows:
                family.add_metric([row["queue_name"], row["status"]], row["n"])
        yield family
        yield up


class NodeLabelled:
    """The metrics of the registries given, each sample labelled with this node's name."""

    def __init__(self, *registries) -> None:
        self.registries = registries

    def collect(self):
        node = {"node": settings.NODE_NAME}
        for registry in self.registries:
            for family in registry.collect():
                labelled = Metric(family.name, family.documentation, family.type, family.unit)
                labelled.samples = [
                    sample._replace(labels=sample.labels | node) for sample in family.samples
                ]
                yield labelled


def _scrape() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    tasks = CollectorRegistry()
    tasks.register(TaskQueueCollector())
    return generate_latest(NodeLabelled(registry, tasks))


def _authorized(request: HttpRequest) -> bool:
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.METRICS_TOKEN}"
    return hmac.compare_digest(given.encode(), expected.encode())


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        # Answered before the site's middleware (health.ProbeMiddleware): a bare 404, not the
        # site's page, which expects the whole stack (its CSP nonce, its headers).
        return HttpResponseNotFound("Not found.\n", content_type="text/plain")
    if not _authorized(request):
        response = HttpResponse("A bearer token is required.\n", status=401,
                                content_type="text/plain")  # fmt: skip
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(_scrape(), content_type=CONTENT_TYPE_LATEST)
