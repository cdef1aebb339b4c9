"""Work done at most once per interval per browser session, without a query to find out."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse


def once_per(session: SessionBase, key: str, seconds: float) -> bool:
    """Return True, and start a new interval, when `seconds` have passed since the last True
    for `key` in this session. The timestamp lives in the session the request loaded anyway."""
    last = session.get(key, 0)
    if isinstance(last, int | float) and time.time() - last < seconds:
        return False
    start_interval(session, key)
    return True


def start_interval(session: SessionBase, key: str) -> None:
    """Count the interval for `key` from now (the work was just done some other way)."""
    session[key] = time.time()


def not_member_activity(view: Callable) -> Callable:
    """Mark a view the browser asks for by itself (the service worker's update check, the
    manifest): a request to it says nothing of the member being there, so no beat runs."""
    view.not_member_activity = True
    return view


class MemberBeatMiddleware:
    """Run `beat(request)` for a logged-in member at most once per `interval()` seconds
    (PRESENCE_TOUCH_INTERVAL unless said otherwise) per session: a heartbeat that costs no
    query between beats. Subclasses name their session key and what a beat does."""

    session_key: str

    @staticmethod
    def interval() -> float:
        return settings.PRESENCE_TOUCH_INTERVAL

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, *args) -> None:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not getattr(view_func, "not_member_activity", False)
            and self.wanted(view_func)
            and once_per(request.session, self.session_key, self.interval())
        ):
            self.beat(request)

    def wanted(self, view_func: Callable) -> bool:
        """Whether requests to this view beat (a view may do the beat's work itself)."""
        return True

    def beat(self, request: HttpRequest) -> None:
        raise NotImplementedError
