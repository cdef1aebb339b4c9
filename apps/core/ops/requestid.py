"""Every request gets an id: in the response's X-Request-ID header, on every log line written
while it is served, and on the error page, so a member's "it broke" and the log line meet.

A proxy in front may send its own id (nginx's $request_id); it is kept when it looks like
one, so the proxy's access log and ours agree. Anything else is replaced."""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

from .logs import UNSERVED_HOST_LOGGER

HEADER = "X-Request-ID"
LOOKS_LIKE_AN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def current() -> str:
    """The id of the request being served, or "-" outside one (the worker, commands)."""
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request.id = given if LOOKS_LIKE_AN_ID.fullmatch(given) else uuid.uuid4().hex
        token = _current.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.id
        return response


class RequestIdFilter(logging.Filter):
    """Put the request's id on each record as `request_id`: the record's own request (Django
    logs a 4xx or 5xx answer after the middleware has returned), else the current one."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "id", None) or current()
        return True


def tag_sentry_event(event: dict, hint: dict) -> dict | None:
    """Sentry's before_send: an error report names its request id, like the log and the
    error page do. A request for a host the site does not serve is no error of ours (a
    scanner sends thousands): it is dropped, however it got here."""
    error = (hint.get("exc_info") or (None, None, None))[1]
    if isinstance(error, DisallowedHost) or event.get("logger") == UNSERVED_HOST_LOGGER:
        return None
    event.setdefault("tags", {})["request_id"] = current()
    return event
