"""Activity keeps a logged-in user Online without a database write on every request."""

from django.http import HttpRequest

from apps.core.throttle import MemberBeatMiddleware

from . import services

SESSION_KEY = "_presence_touched_at"


class PresenceMiddleware(MemberBeatMiddleware):
    """Touch the member's presence once per beat; requests in between cost no query."""

    session_key = SESSION_KEY

    def beat(self, request: HttpRequest) -> None:
        services.touch(user_id=request.user.pk)
