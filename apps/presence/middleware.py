"""Activity keeps a logged-in user Online without a database write on every request."""

import time
from collections.abc import Callable

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import services

SESSION_KEY = "_presence_touched_at"


class PresenceMiddleware:
    """Touches the user's presence at most once per PRESENCE_TOUCH_INTERVAL per session. The
    timestamp lives in the session, which the request has loaded anyway, so requests inside
    the interval cost no query at all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(SESSION_KEY, 0)
            if not isinstance(last, int | float) or now - last >= settings.PRESENCE_TOUCH_INTERVAL:
                request.session[SESSION_KEY] = now
                services.touch(user_id=user.pk)
                # The same once-a-minute beat keeps "Sessions and devices" last activity true.
                UserSession.objects.create_from_request(request)
        return self.get_response(request)
