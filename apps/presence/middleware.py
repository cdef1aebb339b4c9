"""Activity keeps a logged-in user Online without a database write on every request."""

from collections.abc import Callable

from django.http import HttpRequest

from apps.core.web.heartbeat import MemberBeatMiddleware

from . import services

SESSION_KEY = "_presence_touched_at"


class PresenceMiddleware(MemberBeatMiddleware):
    """Touch the member's presence once per beat; requests in between cost no query. The
    presence poll touches by itself, from the member's own row it reads anyway, so an open
    page's polls never write the session to keep time."""

    session_key = SESSION_KEY

    def wanted(self, view_func: Callable) -> bool:
        return not getattr(view_func, "touches_presence", False)

    def beat(self, request: HttpRequest) -> None:
        services.touch(user_id=request.user.pk)
