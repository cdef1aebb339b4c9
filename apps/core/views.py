"""Site-wide views: the readiness check, uploaded media, the error handler."""

import logging
import re
import sys

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, connection
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseServerError,
    JsonResponse,
)
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from . import requestid

logger = logging.getLogger(__name__)


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
    context = {"request_id": requestid.current()}
    if error is not None:
        return HttpResponse(loader.render_to_string("503.html", context), status=503,
                            headers={"Retry-After": "30"})  # fmt: skip
    return HttpResponseServerError(loader.render_to_string("500.html", context))


# What the image pipeline writes: a folder, a random name, an image suffix. Nothing else in
# the media folder is ever served, whatever lands there.
MEDIA_NAME = re.compile(r"^[a-z]+/[A-Za-z0-9_-]{1,100}\.(jpg|jpeg|png|webp|gif)\Z")
MEDIA_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png",
               "webp": "image/webp", "gif": "image/gif"}  # fmt: skip


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    """Serve an uploaded image from local storage when no web server in front does (nginx
    serves /media/ itself in every deployment that ships it). Names are random, so a file
    never changes: browsers may keep it for a year."""
    match = MEDIA_NAME.match(name)
    if match is None:
        raise Http404
    try:
        stored = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404 from None
    response = FileResponse(stored, content_type=MEDIA_TYPES[match.group(1)])
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
