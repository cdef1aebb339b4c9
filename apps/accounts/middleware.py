"""Keeps the last activity in "Sessions and devices" true without a write per request."""

from allauth.usersessions.models import UserSession
from django.http import HttpRequest

from apps.core.throttle import MemberBeatMiddleware

SESSION_KEY = "_usersession_seen_at"


class SessionActivityMiddleware(MemberBeatMiddleware):
    """Refresh the member's allauth UserSession (IP, browser, last seen) once per beat, the
    same beat that keeps them online."""

    session_key = SESSION_KEY

    def beat(self, request: HttpRequest) -> None:
        UserSession.objects.create_from_request(request)
