"""Health checks for what runs the site: liveness (/healthz/, is this process alive) and
readiness (/readyz/, can it serve pages: the database answers; the cache, which the site can
do without, is reported but never makes a node unready).

A load balancer takes a node out only when /readyz/ answers 503, so a Redis outage, which
every node sees at once, never drains them all: pages are served without Redis (the cache
degrades, apps/core/ops/cache.py).
"""

import logging
from collections.abc import Callable

from django.core.cache import caches
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .cache import ResilientRedisCache
from .metrics import DEPENDENCY_UP, metrics

logger = logging.getLogger(__name__)


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # whatever the driver raises, the answer is "no"
        logger.warning("Readiness check: database unavailable (%s)", error)
        return False
    return True


def _cache_answers() -> bool:
    """Redis is asked for a PING (bounded by its timeouts, at once while its breaker is open);
    any other cache for a value written and read back."""
    default = caches["default"]
    if isinstance(default, ResilientRedisCache):
        return default.answers()
    try:
        default.set("readyz", "ok", timeout=5)
        return default.get("readyz") == "ok"
    except Exception as error:
        logger.warning("Readiness check: cache unavailable (%s)", error)
        return False


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """200 "ok" while the database and the cache answer, 200 "degraded" with the reason while
    only the cache does not, 503 "unavailable" while the database does not."""
    database, cache_up = _database_answers(), _cache_answers()
    DEPENDENCY_UP.labels("database").set(int(database))
    DEPENDENCY_UP.labels("cache").set(int(cache_up))
    problems = [
        problem
        for problem, up in (("database unavailable", database), ("cache unavailable", cache_up))
        if not up
    ]
    if not database:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    if problems:
        return JsonResponse({"status": "degraded", "problems": problems})
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


PROBES = {"/healthz/": healthz, "/readyz/": readyz, "/metrics": metrics}


class ProbeMiddleware:
    """Answers the machines' requests first, before host validation, HTTPS redirects and
    sessions: /healthz/, /readyz/ and /metrics (which asks for its token itself). A probe or
    a scraper (Docker's HEALTHCHECK on 127.0.0.1, a load balancer, an orchestrator or
    Prometheus reaching each node at its own address) gets its answer whatever Host it sends.
    /healthz/ touches nothing else, so a database outage does not make the orchestrator
    restart healthy processes. None of them is counted in the metrics (this middleware comes
    before theirs)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path)
        return probe(request) if probe else self.get_response(request)
