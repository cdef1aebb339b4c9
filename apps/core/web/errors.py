"""The error handler: what a visitor sees when a request fails on our side."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from apps.core.ops import requestid


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
