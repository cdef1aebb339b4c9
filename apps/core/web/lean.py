"""The site's WSGI application: every request through the full middleware stack, but the
requests an open page makes by itself every few seconds, which take a short one.

An open page polls the presence view every 30 s, so 10,000 readers make 333 polls a second,
most of them answered "nothing changed" (304). A request that names one of
settings.LEAN_VIEWS by its exact path, with GET or HEAD and the headers the page's poller
always sends (`HX-Request: true`, `X-Background: 1`), is served through
settings.LEAN_MIDDLEWARE: the full list without what has nothing to do with such a request
(settings.LEAN_SKIPPED_MIDDLEWARE: static files, CSRF — a GET changes nothing —, flash
messages, which a background request never takes, allauth's request context, the presence
beat, which the poll does itself), so a middleware added to the site runs here too. The
view, its URL, its authentication and its answer, headers included, are the same either way
(tests/presence/test_lean_poll.py compares both stacks for many viewers); any other request
for that path, a plain browser visit included, takes the full stack.

gunicorn (`config.wsgi`) and the development server (WSGI_APPLICATION) serve this application;
the test client uses Django's own handler, the full stack.
"""

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from django.utils.module_loading import import_string


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with settings.LEAN_MIDDLEWARE for its chain (synchronous
    middleware only, which is what WSGI runs)."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.LEAN_MIDDLEWARE):
            try:
                middleware = import_string(path)(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_template_response"):
                self._template_response_middleware.append(middleware.process_template_response)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


class SiteHandler(WSGIHandler):
    """The full stack, and a LeanHandler for the page's own background requests."""

    def __init__(self) -> None:
        super().__init__()
        self.lean = LeanHandler()
        self.lean_paths = frozenset(reverse(name) for name in settings.LEAN_VIEWS)

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if self.is_lean(environ):
            return self.lean(environ, start_response)
        return super().__call__(environ, start_response)

    def is_lean(self, environ: dict) -> bool:
        return (
            environ.get("PATH_INFO") in self.lean_paths
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and environ.get("HTTP_HX_REQUEST") == "true"
            and environ.get("HTTP_X_BACKGROUND") == "1"
        )
