"""Keeps the last activity in "Sessions and devices" true without a write per request."""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.http import HttpRequest

from apps.core.throttle import MemberBeatMiddleware

SESSION_KEY = "_usersession_seen_at"


class SessionActivityMiddleware(MemberBeatMiddleware):
    """Refresh the member's allauth UserSession (IP, browser, last seen) at most once per
    USER_SESSION_REFRESH_INTERVAL: "Sessions and devices" says when a device was last active
    to within a few minutes, and an open page's polls write no more than that."""

    session_key = SESSION_KEY

    @staticmethod
    def interval() -> float:
        return settings.USER_SESSION_REFRESH_INTERVAL

    def beat(self, request: HttpRequest) -> None:
        UserSession.objects.create_from_request(request)
