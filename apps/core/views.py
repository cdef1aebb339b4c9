"""Site-wide views: the home page placeholder and the health checks."""

import logging
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.core.http import local_path
from apps.core.middleware import LANGUAGE_SESSION_KEY
from apps.profiles.models import Profile

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, so a database outage does not
    make the orchestrator restart healthy web processes."""
    return JsonResponse({"status": "ok"})


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


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage gets a friendly 503 (retry soon), anything else the 500
    page. Both templates render without the request context, which may be what failed."""
    error = sys.exc_info()[1]
    for _depth in range(10):  # the cause chain, e.g. `raise ServiceError from OperationalError`
        if error is None or isinstance(error, OperationalError | InterfaceError):
            break
        error = error.__cause__ or error.__context__
    if error is not None:
        return HttpResponse(loader.render_to_string("503.html"), status=503,
                            headers={"Retry-After": "30"})  # fmt: skip
    return HttpResponseServerError(loader.render_to_string("500.html"))


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The footer's language switcher, with or without JavaScript. Remembers the choice in a
    cookie, and for members in their profile too (it follows them to other devices)."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    response = HttpResponseRedirect(local_path(request, request.POST.get("next", "")) or "/")
    if request.user.is_authenticated:
        # Members keep it in their profile and session, not in a cookie, so the next person
        # on a shared computer does not inherit it after logout.
        Profile.objects.filter(user=request.user).update(language=language)
        request.session[LANGUAGE_SESSION_KEY] = language
        return response
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=True,
    )
    return response
