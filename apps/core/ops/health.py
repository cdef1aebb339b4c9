"""Health checks for what runs the site: liveness (/healthz/, is this process alive) and
readiness (/readyz/, can it serve: the database and the cache answer)."""

import logging
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


class LivenessMiddleware:
    """Answers GET /healthz/ first, before host validation, HTTPS redirects and sessions: a
    container or platform probe (Docker's HEALTHCHECK on 127.0.0.1, a load balancer using the
    instance IP) must get 200 from a live process whatever Host it sends. It touches nothing
    else, so a database outage does not make the orchestrator restart healthy processes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/healthz/":
            return self.get_response(request)
        if request.method not in {"GET", "HEAD"}:
            return HttpResponseNotAllowed(["GET", "HEAD"])
        response = JsonResponse({"status": "ok"})
        response["Cache-Control"] = "no-store"
        return response


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database and the cache both answer; 503 with the reason otherwise."""
    problems = []
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Readiness check: database unavailable")
        problems.append("database unavailable")
    try:
        cache.set("readyz", "ok", timeout=5)
        if cache.get("readyz") != "ok":
            problems.append("cache not answering")
    except Exception:
        logger.exception("Readiness check: cache unavailable")
        problems.append("cache unavailable")
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})
